"""If / Loop / Scan / sequences / optionals with a dynamic (None) batch, against numpy."""
import numpy as np
import pytest
from onnx import TensorProto as P
from onnx import helper as h

from tests.tf_ops._dynamic_batch import make_model, run_dynamic

FLOAT, INT64, BOOL = P.FLOAT, P.INT64, P.BOOL


def _value(name, elem, shape):
    return h.make_tensor_value_info(name, elem, shape)


def _doubling_loop_model():
    """x carried and doubled each iteration; every iteration's value is a scan output."""
    body = h.make_graph(
        [h.make_node("Identity", ["cond_in"], ["cond_out"]),
         h.make_node("Add", ["x_in", "x_in"], ["x_out"]),
         h.make_node("Identity", ["x_out"], ["scan"])],
        "body", [_value("i", INT64, []), _value("cond_in", BOOL, []), _value("x_in", FLOAT, [None, 3])],
        [_value("cond_out", BOOL, []), _value("x_out", FLOAT, [None, 3]), _value("scan", FLOAT, [None, 3])])
    node = h.make_node("Loop", ["trips", "", "x"], ["final", "scans"], body=body)
    return make_model([node], [_value("trips", INT64, []), _value("x", FLOAT, [None, 3])],
                      [_value("final", FLOAT, None), _value("scans", FLOAT, None)])


@pytest.mark.parametrize("batch,trips", [(2, 3), (5, 1), (3, 0)])
def test_loop_trip_count_with_dynamic_batch(batch, trips):
    x = np.random.default_rng(0).standard_normal((batch, 3)).astype(np.float32)
    final, scans = run_dynamic(_doubling_loop_model(), {"trips": np.int64(trips), "x": x})
    np.testing.assert_allclose(final, x * 2 ** trips, rtol=1e-6)
    if trips == 0:                   # no iteration: an empty scan output (its batch dim is unknown)
        assert scans.shape[0] == 0 and scans.size == 0
        return
    np.testing.assert_allclose(scans, np.stack([x * 2 ** (k + 1) for k in range(trips)]), rtol=1e-6)


def test_loop_condition_stops_and_carried_value_grows():
    """No trip count: runs while s < 10 (s += 3); v doubles in length each iteration (Concat)."""
    body = h.make_graph(
        [h.make_node("Add", ["s_in", "three"], ["s_out"]),
         h.make_node("Less", ["s_out", "ten"], ["cond_out"]),
         h.make_node("Concat", ["v_in", "v_in"], ["v_out"], axis=0)],
        "body", [_value("i", INT64, []), _value("cond_in", BOOL, []), _value("s_in", FLOAT, []),
                 _value("v_in", FLOAT, [None])],
        [_value("cond_out", BOOL, []), _value("s_out", FLOAT, []), _value("v_out", FLOAT, [None])],
        initializer=[h.make_tensor("three", FLOAT, [], [3.0]), h.make_tensor("ten", FLOAT, [], [10.0])])
    node = h.make_node("Loop", ["", "go", "s", "v"], ["s_final", "v_final"], body=body)
    model = make_model([node], [_value("go", BOOL, []), _value("s", FLOAT, []), _value("v", FLOAT, [None])],
                       [_value("s_final", FLOAT, None), _value("v_final", FLOAT, None)])
    v = np.array([1.0, 2.0], np.float32)
    s_final, v_final = run_dynamic(model, {"go": np.bool_(True), "s": np.float32(0), "v": v})
    s, expected_v = 0.0, v
    while True:                      # the ONNX semantics, step by step
        s += 3
        expected_v = np.concatenate([expected_v, expected_v])
        if not s < 10:
            break
    assert s_final == s
    np.testing.assert_array_equal(v_final, expected_v)


def test_if_on_runtime_condition_sees_outer_values():
    then_graph = h.make_graph([h.make_node("Add", ["x", "x"], ["t"])], "then", [], [_value("t", FLOAT, None)])
    else_graph = h.make_graph([h.make_node("Mul", ["x", "x"], ["e"])], "else", [], [_value("e", FLOAT, None)])
    node = h.make_node("If", ["c"], ["y"], then_branch=then_graph, else_branch=else_graph)
    model = make_model([node], [_value("c", BOOL, []), _value("x", FLOAT, [None, 3])], [_value("y", FLOAT, None)])
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_array_equal(run_dynamic(model, {"c": np.bool_(True), "x": x})[0], x + x)
    np.testing.assert_array_equal(run_dynamic(model, {"c": np.bool_(False), "x": x[:2]})[0], x[:2] * x[:2])


@pytest.mark.parametrize("direction", [0, 1])
def test_scan_cumulative_sum_over_axis_1(direction):
    body = h.make_graph(
        [h.make_node("Add", ["s_in", "x_t"], ["s_out"]), h.make_node("Identity", ["s_out"], ["y_t"])],
        "body", [_value("s_in", FLOAT, [None, 2]), _value("x_t", FLOAT, [None, 2])],
        [_value("s_out", FLOAT, [None, 2]), _value("y_t", FLOAT, [None, 2])])
    node = h.make_node("Scan", ["s0", "x"], ["s_final", "y"], body=body, num_scan_inputs=1,
                       scan_input_axes=[1], scan_input_directions=[direction], scan_output_axes=[1])
    model = make_model([node], [_value("s0", FLOAT, [None, 2]), _value("x", FLOAT, [None, 4, 2])],
                       [_value("s_final", FLOAT, None), _value("y", FLOAT, None)])
    x = np.random.default_rng(1).standard_normal((3, 4, 2)).astype(np.float32)
    s0 = np.ones((3, 2), np.float32)
    s_final, y = run_dynamic(model, {"s0": s0, "x": x})
    ordered = x[:, ::-1] if direction else x
    expected = s0[:, None] + np.cumsum(ordered, axis=1)
    np.testing.assert_allclose(y, expected, rtol=1e-5)
    np.testing.assert_allclose(s_final, expected[:, -1], rtol=1e-5)


def test_sequence_ops_on_a_split_with_dynamic_batch():
    nodes = [h.make_node("SplitToSequence", ["x"], ["seq"], axis=1, keepdims=0),
             h.make_node("SequenceErase", ["seq", "zero"], ["rest"]),
             h.make_node("SequenceInsert", ["rest", "extra", "zero"], ["front"]),
             h.make_node("SequenceLength", ["front"], ["n"]),
             h.make_node("SequenceAt", ["front", "minus_one"], ["last"]),
             h.make_node("ConcatFromSequence", ["front"], ["stacked"], axis=1, new_axis=1)]
    inits = [h.make_tensor("zero", INT64, [], [0]), h.make_tensor("minus_one", INT64, [], [-1])]
    graph = h.make_graph(nodes, "seq", [_value("x", FLOAT, [None, 3]), _value("extra", FLOAT, [None])],
                         [_value("n", INT64, None), _value("last", FLOAT, None), _value("stacked", FLOAT, None)],
                         initializer=inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    extra = np.array([10, 20], np.float32)
    n, last, stacked = run_dynamic(model, {"x": x, "extra": extra})
    assert n == 3
    np.testing.assert_array_equal(last, x[:, 2])
    np.testing.assert_array_equal(stacked, np.stack([extra, x[:, 1], x[:, 2]], axis=1))


def test_loop_grows_a_sequence_of_run_time_length():
    """Like the opset-13 sequence Loop: element k is x[:k + 1]; the trip count is a run-time input."""
    body = h.make_graph(
        [h.make_node("Identity", ["cond_in"], ["cond_out"]),
         h.make_node("Add", ["i", "one"], ["end"]),
         h.make_node("Slice", ["x", "zero", "end"], ["piece"]),
         h.make_node("SequenceInsert", ["seq_in", "piece"], ["seq_out"])],
        "body", [_value("i", INT64, [1]), _value("cond_in", BOOL, []),
                 h.make_tensor_sequence_value_info("seq_in", FLOAT, None)],
        [_value("cond_out", BOOL, []), h.make_tensor_sequence_value_info("seq_out", FLOAT, None)])
    nodes = [h.make_node("SequenceEmpty", [], ["empty"], dtype=FLOAT),
             h.make_node("Loop", ["trips", "", "empty"], ["seq"], body=body)]
    inits = [h.make_tensor("one", INT64, [1], [1]), h.make_tensor("zero", INT64, [1], [0])]
    graph = h.make_graph(nodes, "g", [_value("trips", INT64, []), _value("x", FLOAT, [None])],
                         [h.make_tensor_sequence_value_info("seq", FLOAT, None)], initializer=inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
    x = np.arange(1, 6, dtype=np.float32)
    for trips in (0, 3):
        (sequence,) = run_dynamic(model, {"trips": np.int64(trips), "x": x}, {"trips": [], "x": [None]})
        assert len(sequence) == trips
        for k, element in enumerate(sequence):
            np.testing.assert_array_equal(element, x[:k + 1])


def test_optional_presence():
    nodes = [h.make_node("Optional", ["x"], ["full"]),
             h.make_node("Optional", [], ["empty"], type=h.make_tensor_type_proto(FLOAT, None)),
             h.make_node("OptionalHasElement", ["full"], ["has_full"]),
             h.make_node("OptionalHasElement", ["empty"], ["has_empty"]),
             h.make_node("OptionalGetElement", ["full"], ["value"])]
    model = make_model(nodes, [_value("x", FLOAT, [None, 2])],
                       [_value("has_full", BOOL, None), _value("has_empty", BOOL, None), _value("value", FLOAT, None)],
                       opset=18)
    x = np.ones((3, 2), np.float32)
    has_full, has_empty, value = run_dynamic(model, {"x": x})
    assert bool(has_full) and not bool(has_empty)
    np.testing.assert_array_equal(value, x)


@pytest.mark.parametrize("erase_at,insert_at", [(0, 0), (1, -1), (-1, 2), (2, 1)])
def test_sequence_erase_and_insert_at_run_time_positions(erase_at, insert_at):
    """Positions fed at run time: the list becomes a DynamicSequence and is spliced in the graph."""
    nodes = [h.make_node("SequenceConstruct", ["a", "b", "c"], ["seq"]),
             h.make_node("SequenceErase", ["seq", "erase_at"], ["erased"]),
             h.make_node("SequenceInsert", ["erased", "d", "insert_at"], ["result"])]
    inputs = [_value(n, FLOAT, [None, 2]) for n in "abcd"] + [_value("erase_at", INT64, []),
                                                              _value("insert_at", INT64, [])]
    model = make_model(nodes, inputs, [h.make_tensor_sequence_value_info("result", FLOAT, None)], opset=17)
    rng = np.random.default_rng(2)
    arrays = {n: rng.standard_normal((k + 1, 2)).astype(np.float32) for k, n in enumerate("abcd")}
    feeds = {**arrays, "erase_at": np.int64(erase_at), "insert_at": np.int64(insert_at)}
    shapes = {**{n: [None, 2] for n in "abcd"}, "erase_at": [], "insert_at": []}
    (result,) = run_dynamic(model, feeds, shapes)
    expected = [arrays["a"], arrays["b"], arrays["c"]]
    del expected[erase_at]
    expected.insert(insert_at if insert_at >= 0 else len(expected) + insert_at, arrays["d"])
    assert len(result) == len(expected)
    for got, want in zip(result, expected):
        np.testing.assert_array_equal(got, want)


def _official_node_case(name):
    import onnx.backend.test.loader as loader
    return next(case for case in loader.load_model_tests(kind="node") if case.name == name)


def test_loop16_optional_sequence_state_present_and_empty():
    """The official opset-16 Loop whose state is optional(seq): an empty optional at the start gets a
    value inside the loop (DynamicOptional). The onnx runner cannot compare this case (exclusions.py)."""
    import converter.backend as backend
    case = _official_node_case("test_loop16_seq_none")
    rep = backend.prepare(case.model)
    inputs, (expected,) = case.data_sets[0]
    (got,) = rep.run(inputs)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
    (from_empty,) = rep.run([np.int64(3), np.bool_(True), None])   # reference semantics: [0], then x[:k+1]
    x = np.arange(1, 6, dtype=np.float32)
    for g, e in zip(from_empty, [np.float32(0)] + [x[:k + 1] for k in range(3)], strict=True):
        np.testing.assert_array_equal(g, e)


def test_if_returning_optional_under_run_time_condition():
    import converter.backend as backend
    rep = backend.prepare(_official_node_case("test_if_opt").model)
    (absent,) = rep.run([np.bool_(True)])                            # then: an empty optional
    (present,) = rep.run([np.bool_(False)])                          # else: Optional(Sequence([1..5]))
    assert absent is None
    assert len(present) == 1
    np.testing.assert_array_equal(present[0], np.arange(1, 6, dtype=np.float32))


def test_sequence_map_over_a_run_time_length_split():
    """A split by a run-time chunk size gives a DynamicSequence; SequenceMap then runs as a while loop."""
    body = h.make_graph([h.make_node("Mul", ["piece", "factor"], ["scaled"])], "body",
                        [_value("piece", FLOAT, None), _value("factor", FLOAT, [])], [_value("scaled", FLOAT, None)])
    nodes = [h.make_node("SplitToSequence", ["x", "chunk"], ["pieces"], axis=1),
             h.make_node("SequenceMap", ["pieces", "factor"], ["mapped"], body=body),
             h.make_node("SequenceLength", ["mapped"], ["count"])]
    model = make_model(nodes, [_value("x", FLOAT, [None, 7]), _value("chunk", INT64, []), _value("factor", FLOAT, [])],
                       [h.make_tensor_sequence_value_info("mapped", FLOAT, None), _value("count", INT64, None)])
    x = np.arange(14, dtype=np.float32).reshape(2, 7)
    mapped, count = run_dynamic(model, {"x": x, "chunk": np.int64(3), "factor": np.float32(2)},
                                {"x": [None, 7], "chunk": [], "factor": []})
    expected = [x[:, 0:3] * 2, x[:, 3:6] * 2, x[:, 6:7] * 2]
    assert count == 3 and len(mapped) == 3
    for got, want in zip(mapped, expected):
        np.testing.assert_array_equal(got, want)

"""Stage 6: atomic publishing into `<serving root>/<name>/<version>/`.

TF Serving polls the model folder and loads any integer-named version folder it sees, so a version must
appear complete or not at all: the SavedModel is written and verified in a staging folder beside the
versions (a name TF Serving ignores: not a number), fsynced, then renamed into place under a lock.
"""
from converter.publish.staging import StagingArea, clean_stale_staging, create_staging
from converter.publish.publisher import existing_versions, publish_staged

__all__ = ["StagingArea", "create_staging", "clean_stale_staging", "publish_staged", "existing_versions"]

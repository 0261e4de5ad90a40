"""WeasyPrint, imported so that it leaves Pillow as strict as it found it.

Importing WeasyPrint switches on Pillow's loading of truncated images for the whole process. The evidence
readers (screenshots, the media checks) must go on seeing a damaged image as damaged, so the setting is put
back at once. Import WeasyPrint from here, never directly.
"""

from PIL import ImageFile

_PILLOW_STRICTNESS = ImageFile.LOAD_TRUNCATED_IMAGES
import weasyprint  # noqa: E402

ImageFile.LOAD_TRUNCATED_IMAGES = _PILLOW_STRICTNESS

__all__ = ["weasyprint"]

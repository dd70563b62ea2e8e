import sys
from pathlib import Path

# The helpers sit next to the tests (tests/ has no packages, so make them importable by name).
sys.path.insert(0, str(Path(__file__).resolve().parent))

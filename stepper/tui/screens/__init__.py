"""Screens shown over the main one: help (`help`), the script's output (`output`), go to step N
(`goto`). The app imports each when it is first shown, so none of them slows the first frame."""

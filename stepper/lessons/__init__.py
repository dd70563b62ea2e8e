"""Built-in lessons: ordinary PyTorch scripts shipped with stepper (each also runs with `python`).

A lesson is any module in this folder; its name is the file name with `_` written as `-`, and its
description is the first paragraph of its docstring. The engine treats lessons like any other script.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass

DEFAULT_LESSON = "linear"
_HERE = os.path.dirname(os.path.abspath(__file__))


@dataclass(frozen=True)
class Lesson:
    name: str
    path: str
    title: str  # the docstring's first line
    description: str  # the rest of its first paragraphs


def _read(path: str) -> Lesson:
    with open(path, encoding="utf-8") as handle:
        doc = ast.get_docstring(ast.parse(handle.read())) or ""
    title, _, rest = doc.partition("\n")
    name = os.path.splitext(os.path.basename(path))[0].replace("_", "-")
    return Lesson(name, path, title.strip(), " ".join(rest.split()))


def all_lessons() -> list[Lesson]:
    files = sorted(f for f in os.listdir(_HERE) if f.endswith(".py") and not f.startswith("_"))
    lessons = [_read(os.path.join(_HERE, f)) for f in files]
    # The default lesson first, the rest by name.
    return sorted(lessons, key=lambda lesson: (lesson.name != DEFAULT_LESSON, lesson.name))


def find_lesson(name: str) -> Lesson | None:
    for lesson in all_lessons():
        if lesson.name == name:
            return lesson
    return None

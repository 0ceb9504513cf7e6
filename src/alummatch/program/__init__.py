"""A programme described once in TOML: its form, rules and solve settings.

- :mod:`~alummatch.program.settings`: :class:`Program` (loading and checking a
  program file, then scoring and solving);
- :mod:`~alummatch.program.form`: :func:`read_form` and the strict reading of
  a form export with a program's settings;
- :mod:`~alummatch.program.starter`: :func:`starter_program`, the best-guess
  program file that ``alummatch init FORM`` writes.

This package sits on top of the others and only calls downwards.
"""

from alummatch.program.form import Column, read_form
from alummatch.program.settings import DEFAULT_IMPORTANCE_SCALE, Program
from alummatch.program.starter import starter_program

__all__ = [
    "DEFAULT_IMPORTANCE_SCALE",
    "Column",
    "Program",
    "read_form",
    "starter_program",
]

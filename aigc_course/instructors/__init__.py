"""Tools for instructors: a student edition and an answer key of every notebook, and
grading.

* :mod:`~aigc_course.instructors.notebooks` reads the exercises and solutions of a
  notebook
  (the book's sphinx-exercise syntax, the one convention for marking solutions);
* :mod:`~aigc_course.instructors.assign` writes the student edition and the key
  (``aigc-course assign``);
* :mod:`~aigc_course.instructors.grade` executes submitted notebooks and collects what
  the
  exercise checkers report (``aigc-course grade``).

The book's page "For instructors" (``book/appendix/instructors.md``) explains the
workflow.
"""

"""Checkers for the book's exercises.

Each ``check_...`` function takes the reader's answer (a number, an array or a
function), compares it with the package's reference, and returns a
:class:`Feedback` that says *what* is wrong, not only whether it is::

    from aigc_course.exercises import math as ex
    ex.check_gaussian_kl(my_kl)      # prints and returns the feedback

One module per chapter; the functions are framework-free unless their name says
otherwise.
"""

from aigc_course.exercises._feedback import Feedback, feedback

__all__ = ["Feedback", "feedback"]

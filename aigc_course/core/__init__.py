"""The bottom layer both frameworks build on; framework-free, imports no framework.

- ``checks``: argument checks that name the argument, the value and what was expected.
- ``seed``, ``device``: one seed for every library, one device choice.
- ``training``: the trainers' shared plan, data order, noise and history format.
- ``gpt``: ``GPTConfig``, the shape of the TinyGPT that both frameworks build.
- ``style``: input checks for the style-transfer models.
- ``perturb``: emulates another machine's rounding, for testing the book's claims.

Readers rarely import these: the models call them.
"""

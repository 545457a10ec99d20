"""Autograder for the deep-generative-models assignment.

The trust boundary is the layout:

- ``grader/``  trusted: discovers the submission, runs the checks, writes results.json.
  It never imports student code.
- ``checks/``  trusted: the grading tests (pytest), comparing worker outputs with
  ``reference/`` on inputs drawn from a secret per-submission seed.
- ``sandbox/`` trusted: starts and confines the worker and talks to it in plain data.
- ``worker/``  untrusted side: the only code that runs next to student code. The trusted
  side uses only its codec (``wire``) and its call harness (``probes``, run on the
  reference), never anything that imports a submission. ``selfcheck`` and ``probes`` are
  also what the student kit ships.

Around the grading of one submission: ``workflows/`` (batch, report, the archives, the
reference experiment), ``kit/`` (public cases recorded from the reference), ``data/``
(the MNIST subset the training checks use).
"""

"""An autograder for generative-model courses: the engine. It names no course; a course is
a folder with a manifest (``course.py``, ``course_schema.json``), and the bundled one is the
project's root.

The trust boundary is the layout:

- ``grader/``  trusted: discovers the submission, runs the course's checks (pytest),
  compares worker outputs with the course's reference on inputs drawn from a secret
  per-submission seed, writes results.json. It never imports student code.
- ``sandbox/`` trusted: builds the worker's allow-list view (bubblewrap), starts and
  confines the worker, and talks to it in plain data.
- ``worker/``  untrusted side: the only code that runs next to student code (with the
  course's plugin). The trusted side uses only its plain data (``tree``, ``protocol``,
  ``wire``), its comparison rule (``closeness``) and its call harness (``probes`` and the
  modules it builds on, run on the reference), never anything that imports a submission.

Around the grading of one submission: ``workflows/`` (batch, report, Gradescope's archive,
a new course's scaffold), ``kit/`` (the student kit: the
same grading on a public seed, the reference's answers recorded in place of the
reference), ``data/`` (reading MNIST).
"""

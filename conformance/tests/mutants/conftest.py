"""Keep the adversarial mutants out of every ordinary pytest run of ``conformance/tests``.

The mutants run only through ``run_mutants.py``, one subprocess each; nothing here is a test.
"""

collect_ignore_glob = ["*"]

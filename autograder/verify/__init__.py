"""The verification harness: proof that a course grades rightly, by grading its declared
variants (variants.py), generated mutants (mutate.py, mutants.py) and secret seeds (seeds.py)."""

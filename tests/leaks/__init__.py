"""Parts of the adversarial leak suite (tests/leaks/test_leaks.py): the corpus with canaries, the leakiest possible
model, the attempts, the ledger that finds canaries in responses, and one driver per front door."""

"""The quality loop (README, "Quality loop"): analytics over the audit log and the feedback (`store.py`,
`analytics.py`), who may read question texts (`access.py`), their retention (`purge.py`), the golden set built from
feedback (`golden.py`), its evaluation against the index and model in use (`evaluate.py`), the gate a candidate
re-index must pass before it is published (`gate.py`) and the queue of unanswered questions per owner
(`unanswered.py`)."""

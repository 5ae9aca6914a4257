"""Operations: Prometheus metrics, JSON logs with request ids, the append-only audit log of questions and citations.

Nothing here knows about answers' text: metrics carry numbers and bounded labels, logs carry request ids and
messages, the audit log carries who asked what and which numbered sources were shown and cited.
"""

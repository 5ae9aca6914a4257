"""The ask pipeline in stages (pipeline.py says which, in order); front doors use AskPipeline.answer / answer_stream
and the events it yields."""
from services.answering.events import Event, Final, Sources, Token
from services.answering.pipeline import AskPipeline
from services.answering.retrieve import QuestionError

__all__ = ["AskPipeline", "Event", "Final", "QuestionError", "Sources", "Token"]

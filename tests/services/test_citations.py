from prompts.schema import Answer, Point
from services.answering.check import Grounded, check_citations
from services.schemas import GroundedAnswer, Grounding


def cites_a_source(answer: Answer) -> bool:
    """What an answer's `grounded` says (services/answering/check.py), before the grounding of each point."""
    return Grounded(GroundedAnswer(**answer.model_dump()), Grounding()).grounded


def test_invalid_numbers_are_dropped():
    answer = Answer(points=[Point(text="a", citations=[0, 1, 3, 7]), Point(text="b", citations=[9])])
    checked = check_citations(answer, source_count=3)
    assert [p.citations for p in checked.answer.points] == [[1, 3], []]
    assert checked.dropped == 3
    assert cites_a_source(checked.answer)


def test_answer_without_any_valid_citation_is_flagged():
    checked = check_citations(Answer(points=[Point(text="a", citations=[4])]), source_count=2)
    assert checked.dropped == 1 and not cites_a_source(checked.answer)
    assert not cites_a_source(Answer(conclusion="nothing"))

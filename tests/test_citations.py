from prompts.schema import Answer, Point
from services.citations import has_valid_citation, verify_citations


def test_invalid_numbers_are_dropped():
    answer = Answer(points=[Point(text="a", citations=[0, 1, 3, 7]), Point(text="b", citations=[9])])
    cleaned, dropped = verify_citations(answer, source_count=3)
    assert [p.citations for p in cleaned.points] == [[1, 3], []]
    assert dropped == 3
    assert has_valid_citation(cleaned)


def test_answer_without_any_valid_citation_is_flagged():
    cleaned, dropped = verify_citations(Answer(points=[Point(text="a", citations=[4])]), source_count=2)
    assert dropped == 1 and not has_valid_citation(cleaned)
    assert not has_valid_citation(Answer(conclusion="nothing"))

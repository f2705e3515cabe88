"""People of contact lists: name, role, organisation; names can be left out."""

from governance_helpers import governance_gold, seed_document

from extractors.people import PeopleSettings, extract_people, person_from_line


def test_mayenne_project_group() -> None:
    people = extract_people(seed_document("seed004"))
    assert len(people) == 9
    assert all(p["role"] for p in people)
    by_name = {p["name"]: p for p in people}
    gold = next(d for d in governance_gold()["documents"] if d["seed"].startswith("004"))
    for person in gold["people"]:
        assert by_name[person["name"]]["role"] == person["role"]
    assert by_name["Guillaume TANSINI"]["organisation"] == "Conseil Départemental de la Mayenne"
    assert by_name["Mathieu LAFRECHOUX"]["organisation"] == "GEIST Mayenne"
    assert by_name["Xavier TALOIS"]["organisation"] == "CH Nord Mayenne"
    assert by_name["Julie BARON"]["organisation"] is None


def test_other_layouts() -> None:
    assert person_from_line("- Mme Anne Dupont – Coordinatrice du CLSM de Rennes") == {
        "name": "Anne Dupont", "role": "Coordinatrice du CLSM de Rennes",
        "organisation": "CLSM de Rennes"}
    assert person_from_line("LE GOFF Marie, Directrice de l'UNAFAM 29")["name"] == "LE GOFF Marie"
    assert person_from_line("Fiche action n°1 : Sensibiliser les professionnels") is None
    assert person_from_line("ARS Pays de la Loire, délégation de la Mayenne") is None


def test_names_can_be_left_out() -> None:
    people = extract_people(seed_document("seed004"), PeopleSettings(include_names=False))
    assert len(people) == 9 and all(p["name"] is None for p in people)

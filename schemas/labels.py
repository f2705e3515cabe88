"""French labels of the published columns, for people (report, exports, data dictionary).

Column names stay English snake_case for machines; what a person reads is the label.
`COLUMN_LABELS` gives one label per column name; `TABLE_COLUMN_LABELS` overrides it where
a name means something else in one table. tests/test_labels.py checks that every column of
every table has one.

    column_label("fiches", "pilotes")  # -> "Pilotes"
"""

from __future__ import annotations

COLUMN_LABELS: dict[str, str] = {
    # shared
    "doc_id": "Identifiant du document",
    "department_code": "Code du département",
    "department_name": "Département",
    "source_id": "Identifiant de la source",
    "source_uri": "Adresse de la source",
    "title": "Titre",
    "sha256": "Empreinte SHA-256",
    "passage_id": "Identifiant du passage",
    "fiche_id": "Identifiant de la fiche",
    "seq": "Rang",
    "page_end": "Dernière page",
    "kind": "Nature",
    "text": "Texte",
    "cluster_id": "Groupe de passages répétés",
    "similarity": "Similarité (0-100)",
    "is_boilerplate": "Ligne type répétée",
    "evidence": "Phrase source",
    "start": "Début (caractère)",
    "end": "Fin (caractère)",
    "n_documents": "Documents",
    # documents
    "media_type": "Format",
    "raw_path": "Copie brute",
    "n_pages": "Pages",
    "n_blocks": "Blocs lus",
    "status": "Lecture",
    "error": "Erreur",
    "department_scope": "Portée géographique",
    "department_evidence": "Indice du département",
    "ingested_at": "Lu le",
    "version": "Version",
    "is_current": "Version courante",
    "superseded_by": "Remplacé par",
    "source_status": "État de la source",
    "plan_id": "Plan",
    "is_primary": "Document principal du plan",
    "fiche_headings_rejected": "Titres de fiche non lus (sans corps de fiche)",
    "fiche_tables_rejected": "Tableaux de fiche non lus (sans champs de fiche)",
    "n_ocr_pages": "Pages lues par OCR",
    "discovered_from": "Trouvé sur",
    "link_text": "Texte du lien",
    # passages
    "page": "Page",
    "level": "Niveau de titre",
    "section_path": "Titres englobants",
    "rows_json": "Lignes du tableau (JSON)",
    "bbox": "Position sur la page",
    "font_size": "Taille de police",
    "bold": "Gras",
    "ocr": "Lu par OCR",
    "ocr_confidence": "Confiance de l'OCR",
    "is_canonical": "Occurrence de référence",
    "has_internal_repeat": "Répétition interne",
    "text_clean": "Texte sans répétition",
    # fiches
    "number": "Numéro",
    "number_label": "Numéro tel qu'écrit",
    "title_variants": "Autres formulations du titre",
    "priority": "Priorité du décret",
    "priority_source": "Origine de la priorité",
    "priority_evidence": "Justification de la priorité",
    "axis_label": "Axe",
    "layout": "Mise en page de la fiche",
    "pilotes": "Pilotes",
    "pilotes_undefined": "Pilotes à définir",
    "partenaires": "Partenaires",
    "partenaires_undefined": "Partenaires à définir",
    "objectifs_strategiques": "Objectifs stratégiques",
    "moyens": "Moyens",
    "territoire": "Territoire",
    "public_cible": "Public cible",
    "indicateurs": "Indicateurs",
    "liens": "Liens avec d'autres travaux",
    "page_start": "Première page",
    # fiche_objectives
    "operateur": "Opérateur",
    "modalites": "Modalités",
    "echeance_text": "Échéance",
    "echeance_start": "Début de l'échéance",
    "echeance_end": "Fin de l'échéance",
    # governance_events
    "event_id": "Identifiant de l'étape",
    "event_type": "Étape",
    "event_date": "Date",
    "date_precision": "Précision de la date",
    "date_text": "Date telle qu'écrite",
    "actor": "Acteur",
    "reference": "Référence de l'acte",
    # facts
    "fact_id": "Identifiant du chiffre",
    "metric": "Indicateur chiffré",
    "value": "Valeur",
    # entities
    "label": "Type d'entité",
    "canonical": "Nom de référence",
    # acronyms
    "acronym": "Sigle",
    "expansion": "Forme développée",
    "source": "Trouvé dans",
    # fiche_links
    "target_number": "Numéro de la fiche citée",
    "target_fiche_id": "Identifiant de la fiche citée",
    # passage_clusters, passage_repeats
    "size": "Taille",
    "department_codes": "Départements",
    "canonical_passage_id": "Passage de référence",
    "repeats_passage_id": "Passage répété",
    "repeats_start": "Début dans le passage répété",
    "repeats_end": "Fin dans le passage répété",
    # people
    "name": "Nom",
    "role": "Fonction",
    "organisation": "Organisme",
    # ptsm_profiles
    "region": "Région",
    "n_plans": "Plans",
    "n_fiches": "Fiches actions",
    **{f"n_fiches_priority_{p}": f"Fiches de priorité {p}" for p in range(1, 7)},
    "diagnostic_date": "Date du diagnostic",
    "roadmap_adopted_date": "Adoption de la feuille de route",
    "ptsm_approved_date": "Arrêté du PTSM",
    "contract_signed_date": "Signature du contrat",
    "n_milestones": "Étapes",
    "period_start_year": "Début de la période",
    "period_end_year": "Fin de la période",
    # quarantine
    "stage": "Étape du traitement",
    "error_type": "Type d'erreur",
    "message": "Message",
    "seen_at": "Constaté le",
}

TABLE_COLUMN_LABELS: dict[tuple[str, str], str] = {
    ("documents", "source_status"): "État de la source",
    ("passage_clusters", "n_documents"): "Documents concernés",
    ("fiche_objectives", "kind"): "Type d'objectif",
    ("passages", "kind"): "Type de bloc",
}

TABLE_LABELS: dict[str, str] = {
    "documents": "Documents",
    "passages": "Passages",
    "fiches": "Fiches actions",
    "fiche_objectives": "Objectifs des fiches",
    "governance_events": "Étapes de gouvernance",
    "facts": "Chiffres cités",
    "entities": "Entités nommées",
    "acronyms": "Sigles",
    "fiche_links": "Liens entre fiches",
    "passage_clusters": "Groupes de passages répétés",
    "passage_repeats": "Répétitions partielles",
    "people": "Personnes",
    "ptsm_profiles": "Profils des PTSM",
    "quarantine": "Quarantaine",
}


def column_label(table: str, column: str) -> str:
    """The French label of a column (its name when none is known)."""
    return TABLE_COLUMN_LABELS.get((table, column)) or COLUMN_LABELS.get(column, column)

"""Controlled vocabularies of the published dataset (DESIGN.md, schema version 1).

Codes are for machines and never change; every code has a French label for people
(report, exports, DuckDB vocabulary tables) and, where useful, an English description for
developers. The data dictionary gives both.
"""

from __future__ import annotations

PRIORITIES: dict[int, str] = {
    1: "Repérage précoce des troubles psychiques, diagnostic et accès aux soins et aux "
    "accompagnements sociaux ou médico-sociaux",
    2: "Parcours de santé et de vie de qualité et sans rupture, rétablissement et "
    "inclusion sociale",
    3: "Accès aux soins somatiques adaptés",
    4: "Prévention et prise en charge des situations de crise et d'urgence",
    5: "Respect et promotion des droits, pouvoir de décider et d'agir, lutte contre la "
    "stigmatisation",
    6: "Action sur les déterminants sociaux, environnementaux et territoriaux de la santé mentale",
}
# Short French labels for charts and pivot tables.
PRIORITY_SHORT_LABELS: dict[int, str] = {
    1: "Repérage précoce, diagnostic, accès aux soins",
    2: "Parcours sans rupture, rétablissement, inclusion",
    3: "Soins somatiques",
    4: "Crise et urgence",
    5: "Droits, pouvoir d'agir, déstigmatisation",
    6: "Déterminants sociaux, environnementaux, territoriaux",
}
PRIORITY_UNKNOWN_LABEL = "Priorité inconnue"

EVENT_TYPES: dict[str, str] = {
    "diagnostic_launched": "The shared territorial diagnosis started (working groups, workshops).",
    "diagnostic_approved": "The diagnosis was adopted or approved.",
    "roadmap_adopted": "The roadmap (feuille de route) was adopted, e.g. by the COPIL.",
    "submitted_to_ars": "The PTSM was sent to the Agence Régionale de Santé.",
    "opinion_cssm": "Opinion or validation of the Commission Spécialisée Santé Mentale.",
    "opinion_cts": "Opinion of the Conseil Territorial de Santé.",
    "opinion_local": "Opinion of local bodies (CLS, CLSM).",
    "ptsm_approved": "The PTSM was approved (arrêté of the DGARS).",
    "contract_signed": "The Contrat Territorial de Santé Mentale was signed.",
    "mission_assigned": "A mission or coordination was assigned.",
    "other_milestone": "Another dated milestone of the PTSM.",
}
# French labels of the milestones, in the order of a PTSM's life.
EVENT_LABELS: dict[str, str] = {
    "mission_assigned": "Mission confiée",
    "diagnostic_launched": "Diagnostic lancé",
    "diagnostic_approved": "Diagnostic validé",
    "roadmap_adopted": "Feuille de route adoptée",
    "submitted_to_ars": "Transmis à l'ARS",
    "opinion_cssm": "Avis de la CSSM",
    "opinion_cts": "Avis du CTS",
    "opinion_local": "Avis local (CLS, CLSM, collectivités)",
    "ptsm_approved": "PTSM arrêté par l'ARS",
    "contract_signed": "Contrat territorial signé",
    "other_milestone": "Autre étape",
}

METRICS: dict[str, str] = {
    "n_actions": "Nombre d'actions ou de fiches actions du PTSM",
    "n_improvement_leads": "Nombre de pistes d'amélioration",
    "n_proposals": "Nombre de propositions d'actions",
    "n_working_groups": "Nombre de groupes de travail",
    "n_orientations": "Nombre d'orientations ou d'axes stratégiques",
    "n_participants": "Nombre de participants",
    "duration_years": "Durée du PTSM en années",
    "period_start_year": "Première année de la période du PTSM",
    "period_end_year": "Dernière année de la période du PTSM",
}

DOCUMENT_STATUSES = ("ok", "partial", "failed")
DOCUMENT_STATUS_LABELS: dict[str, str] = {
    "ok": "lu entièrement", "partial": "lu en partie", "failed": "illisible"}
DATE_PRECISIONS = ("day", "month", "year")
DATE_PRECISION_LABELS: dict[str, str] = {"day": "jour", "month": "mois", "year": "année"}
OBJECTIVE_KINDS = ("strategique", "operationnel")
OBJECTIVE_KIND_LABELS: dict[str, str] = {
    "strategique": "objectif stratégique", "operationnel": "objectif opérationnel"}
BLOCK_KIND_LABELS: dict[str, str] = {
    "heading": "titre", "paragraph": "paragraphe", "list_item": "élément de liste",
    "table": "tableau", "caption": "légende"}
UNKNOWN_DEPARTMENT = "__unknown__"
UNKNOWN_DEPARTMENT_LABEL = "Département inconnu"

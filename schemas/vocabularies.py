"""Controlled vocabularies of the published dataset (DESIGN.md, schema version 1)."""

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

METRICS: dict[str, str] = {
    "n_actions": "Number of actions / fiches actions of the PTSM.",
    "n_improvement_leads": "Number of improvement leads (pistes d'amélioration).",
    "n_proposals": "Number of action proposals (propositions d'actions).",
    "n_working_groups": "Number of working groups.",
    "n_orientations": "Number of orientations / strategic axes.",
    "n_participants": "Number of participants.",
    "duration_years": "Duration of the PTSM in years.",
    "period_start_year": "First year of the PTSM period.",
    "period_end_year": "Last year of the PTSM period.",
}

DOCUMENT_STATUSES = ("ok", "partial", "failed")
DATE_PRECISIONS = ("day", "month", "year")
OBJECTIVE_KINDS = ("strategique", "operationnel")
UNKNOWN_DEPARTMENT = "__unknown__"

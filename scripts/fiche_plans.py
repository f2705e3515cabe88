"""Plans (fiche contents) rendered in several layout families by render_fiche_layouts.py.

Two plans: the Mayenne feuille de route (read back from the sample DOCX, whose extraction
scores 100 % against the gold) and an invented plan with other wording, numbering inside
axes and other labels (its gold is written from the same data). Test-data generator only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Step:
    text: str
    echeance: str
    operateur: str = ""


@dataclass
class FicheSpec:
    number: int  # position in the plan (1-based), the gold's number
    label: str  # number as written in this plan ("7", "2.3")
    title: str
    priority: int | None
    axis: str  # text of the axis / priority the fiche sits under
    pilotes: list[str]
    partenaires: list[str]
    objectifs: list[str]
    steps: list[Step]
    moyens: str = ""
    territoire: str = ""
    public: str = ""
    indicateurs: str = ""


@dataclass
class PlanSpec:
    name: str
    title: str
    fiches: list[FicheSpec] = field(default_factory=list)


DECRET = {
    1: "Le repérage précoce des troubles psychiques, l'élaboration d'un diagnostic et l'accès "
       "aux soins et aux accompagnements sociaux ou médico-sociaux",
    2: "Le parcours de santé et de vie de qualité et sans rupture, notamment pour les personnes "
       "présentant des troubles psychiques graves, en vue de leur rétablissement et de leur "
       "inclusion sociale",
    3: "L'accès des personnes présentant des troubles psychiques à des soins somatiques adaptés "
       "à leurs besoins",
    4: "La prévention et la prise en charge des situations de crise et d'urgence",
    5: "Le respect et la promotion des droits des personnes présentant des troubles psychiques, "
       "le renforcement de leur pouvoir de décider et d'agir et la lutte contre la "
       "stigmatisation de ces troubles",
    6: "L'action sur les déterminants sociaux, environnementaux et territoriaux de la santé "
       "mentale",
}


def mayenne_plan() -> PlanSpec:
    """The 30 fiches of the sample feuille de route, read from its DOCX."""
    from extractors.fiches import extract_fiches
    from pipeline.readers.docx import read_docx

    path = ROOT / "data" / "raw" / "samples" / "ptsm53-feuille-de-route.docx"
    result = extract_fiches(read_docx(path, source_uri=str(path), doc_id="mayenne"))
    plan = PlanSpec("mayenne", "Projet territorial de santé mentale – Feuille de route")
    for f in result.fiches:
        objs = [o for o in result.objectives if o["number"] == f["number"]]
        steps = [Step(o["text"], o["echeance_text"] or "", o["operateur"] or "")
                 for o in objs if o["kind"] == "operationnel"]
        plan.fiches.append(FicheSpec(
            f["number"], str(f["number"]), f["title"], f["priority"], DECRET[f["priority"]],
            f["pilotes"] or ["à définir"], f["partenaires"] or ["à définir"],
            f["objectifs_strategiques"], steps, f["moyens"] or "", f["territoire"] or "",
            f["public_cible"] or "", f["indicateurs"] or ""))
    return plan


_AXES = {
    1: (1, "Repérer tôt, poser un diagnostic et ouvrir l'accès aux soins"),
    2: (2, "Des parcours sans rupture, vers le rétablissement et l'inclusion sociale"),
    3: (4, "Anticiper et prendre en charge la crise et l'urgence"),
    4: (5, "Faire respecter les droits et lutter contre la stigmatisation"),
}
_INVENTED = [  # axis, title, pilotes, partenaires, objectifs, steps
    (1, "Former les médecins scolaires aux signes d'alerte chez l'adolescent",
     ["Éducation nationale"], ["Maison des adolescents", "CMP infanto-juvénile"],
     ["Outiller les équipes scolaires", "Raccourcir le délai avant le premier rendez-vous"],
     [("Recenser les formations existantes", "premier semestre 2024"),
      ("Construire un module de formation commun", "2024-2025"),
      ("Former deux promotions de médecins et d'infirmiers scolaires", "fin 2025")]),
    (1, "Ouvrir une consultation avancée de psychiatrie en maison de santé",
     ["Centre hospitalier spécialisé"], ["Maisons de santé pluriprofessionnelles", "CPTS"],
     ["Rapprocher l'avis psychiatrique du médecin traitant"],
     [("Choisir trois maisons de santé volontaires", "T1 2024"),
      ("Organiser les vacations et la télé-expertise", "second semestre 2024"),
      ("Évaluer l'activité après un an", "2026")]),
    (2, "Développer le logement accompagné pour les personnes en rétablissement",
     ["Direction départementale de l'emploi, du travail et des solidarités"],
     ["Bailleurs sociaux", "Services d'accompagnement à la vie sociale", "GEM"],
     ["Augmenter l'offre de logements avec un accompagnement adapté"],
     [("Faire l'état des lieux des places existantes", "début 2024"),
      ("Signer une convention avec deux bailleurs", "2025"),
      ("Ouvrir dix places de logement accompagné", "2026-2027")]),
    (2, "Créer une plateforme d'emploi accompagné",
     ["Cap emploi"], ["ESAT", "Missions locales", "France Travail"],
     ["Favoriser l'accès et le maintien dans l'emploi ordinaire"],
     [("Réunir le comité de pilotage de la plateforme", "mars 2024"),
      ("Recruter deux job coachs", "second semestre 2024")]),
    (2, "Coordonner les sorties d'hospitalisation avec le médecin traitant",
     ["Centre hospitalier spécialisé"], ["URPS médecins", "Pharmacies d'officine"],
     ["Éviter les ruptures de traitement après la sortie"],
     [("Rédiger une lettre de liaison type", "2024"),
      ("Diffuser la lettre de liaison dans tous les services", "2025")]),
    (3, "Mettre en place une équipe mobile d'intervention de crise",
     ["Centre hospitalier spécialisé"], ["SAMU", "Services départementaux d'incendie"],
     ["Intervenir au domicile avant l'hospitalisation sous contrainte"],
     [("Définir le cahier des charges de l'équipe", "premier semestre 2024"),
      ("Recruter l'équipe et ouvrir le numéro unique", "2025"),
      ("Étendre l'intervention aux nuits et aux week-ends", "2026-2027")]),
    (3, "Prévenir la récidive suicidaire par un dispositif de recontact",
     ["Agence régionale de santé"], ["Urgences", "Centre de prévention du suicide"],
     ["Garder le lien avec chaque personne sortie des urgences après une tentative"],
     [("Déployer le dispositif de recontact dans les deux services d'urgence", "2024"),
      ("Former les veilleurs", "à partir de 2025")]),
    (4, "Installer un conseil local des usagers et des familles",
     ["Association d'usagers"], ["UNAFAM", "Conseils locaux de santé mentale"],
     ["Donner une voix aux usagers dans le pilotage du projet"],
     [("Rédiger la charte du conseil", "septembre 2024"),
      ("Tenir la première séance plénière", "fin 2024")]),
    (4, "Mener une campagne contre la stigmatisation des troubles psychiques",
     ["Conseil départemental"], ["Collectivités", "Presse locale", "GEM"],
     ["Changer le regard du grand public"],
     [("Concevoir la campagne avec des pairs", "2025"),
      ("Diffuser la campagne pendant les semaines d'information", "2025-2026")]),
]


def invented_plan() -> PlanSpec:
    """A plan of nine actions numbered inside four axes (Action 1.1, 1.2, 2.1 …)."""
    plan = PlanSpec("invented", "Plan d'actions du projet territorial de santé mentale "
                    "des Hautes-Collines 2024-2028")
    within: dict[int, int] = {}
    for n, (axis, title, pil, part, objs, steps) in enumerate(_INVENTED, start=1):
        within[axis] = within.get(axis, 0) + 1
        priority, axis_title = _AXES[axis]
        plan.fiches.append(FicheSpec(
            n, f"{axis}.{within[axis]}", title, priority, axis_title, pil, part, objs,
            [Step(t, e) for t, e in steps], moyens="0,5 ETP de coordination",
            territoire="Tout le territoire", public="Personnes vivant avec un trouble psychique",
            indicateurs="Nombre de personnes concernées ; délai moyen"))
    return plan


def gold(plan: PlanSpec) -> dict:
    """The evaluation gold (extractors.evaluation_fiches format) of an invented plan."""
    from extractors.echeances import parse_echeance

    fiches = []
    for f in plan.fiches:
        rows = []
        for s in f.steps:
            start, end = parse_echeance(s.echeance)
            rows.append({"text": s.text, "echeance_text": s.echeance,
                         "echeance_start": start.isoformat() if start else None,
                         "echeance_end": end.isoformat() if end else None})
        fiches.append({"number": f.number, "number_label": f.label, "title": f.title,
                       "priority": f.priority, "pilotes": f.pilotes,
                       "partenaires": f.partenaires, "operational_rows": rows})
    return {"about": f"Gold of the invented plan '{plan.title}' (scripts/fiche_plans.py), "
                     "rendered by scripts/render_fiche_layouts.py.",
            "department_code": None, "fiches": fiches}

"""Project analysis → recommendations (POST /api/v1/specs and the skills/hooks/v8 recommendation routes).

The project's signals are the names of its dependencies and dev dependencies, its frameworks and languages, the
host of its git remote and the tags a client sends. Each is mapped to terms (a dependency `next` → `nextjs`,
`react`, `typescript`...). An item's relevance is how many of its words (tags, category, name, slug) the terms
hit, weighted by where they hit, plus a little for popularity, scaled to 0–1; items already installed are left
out. No model, no external call: the same project always gets the same answer from the same catalogue.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from ccjk.logic import catalog, search
from ccjk.models.market import ProjectSpec
from ccjk.models.market_entities import CatalogItem

HINTS: dict[str, tuple[str, ...]] = {
    "react": ("react", "frontend", "javascript"), "react-dom": ("react", "frontend"),
    "next": ("nextjs", "react", "frontend"), "vue": ("vue", "frontend"), "nuxt": ("nuxt", "vue", "frontend"),
    "@angular/core": ("angular", "frontend"), "svelte": ("svelte", "frontend"), "solid-js": ("solid", "frontend"),
    "express": ("express", "node", "backend", "api"), "fastify": ("fastify", "node", "backend", "api"),
    "@nestjs/core": ("nestjs", "node", "backend"), "koa": ("koa", "node", "backend"),
    "typescript": ("typescript",), "vite": ("vite", "frontend"), "webpack": ("webpack",),
    "jest": ("testing", "jest"), "vitest": ("testing", "vitest"), "mocha": ("testing",), "cypress": ("testing", "e2e"),
    "playwright": ("testing", "e2e", "playwright"), "@playwright/test": ("testing", "e2e", "playwright"),
    "eslint": ("lint", "code-quality"), "prettier": ("format", "code-quality"), "biome": ("lint", "format"),
    "tailwindcss": ("tailwind", "css", "frontend"), "prisma": ("prisma", "database", "sql"),
    "@prisma/client": ("prisma", "database"), "mongoose": ("mongodb", "database"), "pg": ("postgres", "database"),
    "mysql2": ("mysql", "database"), "redis": ("redis", "database"), "ioredis": ("redis", "database"),
    "graphql": ("graphql", "api"), "@apollo/client": ("graphql", "frontend"), "openai": ("ai", "llm"),
    "@anthropic-ai/sdk": ("ai", "llm", "claude"), "langchain": ("ai", "llm"), "docker": ("docker", "devops"),
    "django": ("django", "python", "backend"), "flask": ("flask", "python", "backend"),
    "fastapi": ("fastapi", "python", "backend", "api"), "pytest": ("testing", "python", "pytest"),
    "numpy": ("data", "python"), "pandas": ("data", "python"), "torch": ("ml", "python", "ai"),
    "ruff": ("lint", "python"), "black": ("format", "python"), "mypy": ("typing", "python"),
    "boto3": ("aws", "cloud", "python"), "aws-cdk-lib": ("aws", "cloud", "iac"), "serverless": ("aws", "serverless"),
    "stripe": ("payments",), "@supabase/supabase-js": ("supabase", "database"), "firebase": ("firebase", "cloud"),
    "electron": ("electron", "desktop"), "react-native": ("react-native", "mobile"), "expo": ("expo", "mobile"),
}
REMOTE_HINTS = {"github.com": ("github", "git"), "gitlab": ("gitlab", "git"), "gitee.com": ("gitee", "git"),
                "bitbucket.org": ("bitbucket", "git")}
CLIENT_CATEGORY = {catalog.SKILL: "skill", catalog.MCP: "mcp", catalog.AGENT: "agent", catalog.HOOK: "hook"}
DEFAULT_LIMIT = 10
MIN_RELEVANCE = 0.05


def _names(value: dict[str, Any] | list[Any] | None) -> list[str]:
    if isinstance(value, dict):
        return [str(k) for k in value][:500]
    if isinstance(value, list):
        names = []
        for entry in value[:500]:
            text = entry.get("name") if isinstance(entry, dict) else entry
            if isinstance(text, str):
                names.append(text.split("==")[0].split(">=")[0].split("[")[0].strip())
        return names
    return []


def signals(spec: ProjectSpec) -> tuple[dict[str, float], list[str], list[str]]:
    """({term: weight}, frameworks, languages) of a project."""
    terms: dict[str, float] = {}

    def add(words: Iterable[str], weight: float) -> None:
        for word in words:
            for part in search.words(word):
                if len(part) >= 2 and terms.get(part, 0) < weight:
                    terms[part] = weight

    frameworks = [f.strip().lower() for f in spec.frameworks or [] if f.strip()][:50]
    languages = [lang.strip().lower() for lang in [*(spec.languages or []), spec.language or ""] if lang.strip()][:50]
    for name in _names(spec.dependencies) + _names(spec.devDependencies):
        lowered = name.lower()
        hint = HINTS.get(lowered)
        if hint:
            add(hint, 1.0)
            frameworks.extend(h for h in hint[:1] if h not in frameworks)
        add([lowered.lstrip("@").replace("/", " ")], 0.5)
    add(frameworks, 1.0)
    add(languages, 0.8)
    add(spec.tags or [], 1.0)
    if spec.projectType:
        add([spec.projectType], 0.8)
    remote = (spec.gitRemote or "").lower()
    for host, hint in REMOTE_HINTS.items():
        if host in remote:
            add(hint, 0.6)
    return terms, frameworks[:20], list(dict.fromkeys(languages))[:20]


def relevance(item: CatalogItem, terms: dict[str, float]) -> tuple[float, list[str]]:
    """(0–1, the terms that matched) for one item."""
    if not terms:
        return 0.0, []
    fields = [(3.0, [t.lower() for t in item.tags or []]), (2.0, search.words(item.category)),
              (2.0, search.words(item.name_en) + search.words(item.slug.replace("-", " "))),
              (1.0, search.words(item.description_en, search.MAX_DESCRIPTION_WORDS))]
    score, matched = 0.0, []
    for term, weight in terms.items():
        best = max((field_weight for field_weight, found in fields if term in found), default=0.0)
        if best:
            score += best * weight
            matched.append(term)
    if not score:
        return 0.0, []
    popularity = math.log10(1 + int(item.install_count or 0)) / 10
    return min(1.0, round(score / (3.0 * max(3, len(terms) / 2)) + popularity, 3)), matched


def recommend(spec: ProjectSpec, kinds: Sequence[str], limit: int | None = None) -> dict[str, Any]:
    terms, frameworks, languages = signals(spec)
    installed = {i.lower() for i in spec.installed or []}
    scored = []
    for item in catalog.items_of(kinds):
        if item.status in ("archived", "deprecated") or item.catalog_id in installed or item.slug in installed:
            continue
        score, matched = relevance(item, terms)
        if score >= MIN_RELEVANCE:
            scored.append((score, item, matched))
    scored.sort(key=lambda found: (-found[0], -int(found[1].install_count or 0), found[1].catalog_id))
    return {"requestId": f"req_{uuid.uuid4().hex[:20]}", "scored": scored[:limit or spec.limit or DEFAULT_LIMIT],
            "projectType": spec.projectType, "frameworks": frameworks, "languages": languages}


def view(item: CatalogItem, score: float, matched: list[str]) -> dict[str, Any]:
    return {"id": item.catalog_id, "slug": item.slug,
            "name": {"en": item.name_en, "zh-CN": item.name_zh or item.name_en},
            "description": {"en": item.description_en, "zh-CN": item.description_zh or item.description_en},
            "category": CLIENT_CATEGORY.get(item.catalog_kind, "skill"), "type": item.catalog_kind,
            "relevanceScore": score, "reasons": [f"matches {term}" for term in matched[:5]],
            "tags": list(item.tags or []), "installCommand": item.install_command}


def answer(spec: ProjectSpec, kinds: Sequence[str]) -> dict[str, Any]:
    found = recommend(spec, kinds)
    recommendations = [view(item, score, matched) for score, item, matched in found["scored"]]
    return {"requestId": found["requestId"], "recommendations": recommendations, "total": len(recommendations),
            "projectType": found["projectType"], "frameworks": found["frameworks"], "languages": found["languages"]}

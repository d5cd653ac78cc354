"""The desk's admin, split by area; each module registers its ModelAdmins when imported."""

from articles.admin import annotations as annotations
from articles.admin import articles as articles
from articles.admin import claims as claims
from articles.admin import imports as imports
from articles.admin import tokens as tokens
from articles.admin import webhooks as webhooks

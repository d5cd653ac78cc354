"""The desk's admin, one module per screen; each registers its ModelAdmins when imported.
The desk pages that belong to no one model live on the site (`articles.admin.site`)."""

from articles.admin import annotations as annotations
from articles.admin import articles as articles
from articles.admin import assignments as assignments
from articles.admin import claims as claims
from articles.admin import imports as imports
from articles.admin import outcomes as outcomes
from articles.admin import suggestions as suggestions
from articles.admin import tokens as tokens
from articles.admin import webhooks as webhooks

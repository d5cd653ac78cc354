"""Routes of /api/v1/ (URL names `api:<basename>-list`, `api:<basename>-detail`, ...)."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from articles.api import views

app_name = "api"

router = DefaultRouter()
router.register("articles", views.ArticleViewSet, basename="article")
router.register("import-jobs", views.ImportJobViewSet, basename="import-job")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("annotations", views.AnnotationViewSet, basename="annotation")
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("verdicts", views.VerdictViewSet, basename="verdict")

urlpatterns = router.urls

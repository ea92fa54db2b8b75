from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("report/<slug:target_kind>/<int:target_id>/", views.report, name="report"),
    path("moderation/reports/<str:receipt>/", views.report_receipt, name="report-receipt"),
    path("moderation/", views.queue, name="queue"),
    path("moderation/cases/<int:case_id>/", views.case, name="case"),
    path(
        "moderation/cases/<int:case_id>/<slug:operation>/",
        views.case_operation,
        name="case-operation",
    ),
    path("moderation/act/<slug:target_kind>/<int:target_id>/", views.act, name="act"),
    path("moderation/actions/<int:action_id>/undo/", views.action_undo, name="action-undo"),
    path("moderation/statements/<int:statement_id>/", views.statement, name="statement"),
    path(
        "moderation/actions/<int:action_id>/statement/",
        views.statement_for_action,
        name="statement-for-action",
    ),
    path("moderation/appeals/", views.appeals, name="appeals"),
    path("moderation/appeals/<int:appeal_id>/", views.appeal, name="appeal"),
    path("moderation/rules/", views.rules_edit, name="rules-edit"),
    path("moderation/log/", views.log, name="log"),
    path("rules/", views.rules, name="rules"),
    path("transparency/", views.transparency, name="transparency"),
]

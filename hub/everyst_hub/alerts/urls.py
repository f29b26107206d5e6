from django.urls import path

from . import api

urlpatterns = [
    path("alerts", api.AlertListView.as_view()),
    path("alerts/metrics", api.AlertMetricsView.as_view()),
    path("alerts/<int:alert_id>", api.AlertDetailView.as_view()),
    path("alerts/<int:alert_id>/ack", api.AlertAckView.as_view()),
    path("alert-rules", api.RuleListView.as_view()),
    path("alert-rules/<int:rule_id>", api.RuleDetailView.as_view()),
    path("silences", api.SilenceListView.as_view()),
    path("silences/<int:silence_id>", api.SilenceDetailView.as_view()),
    path("notification-channels", api.ChannelListView.as_view()),
    path("notification-channels/<int:channel_id>", api.ChannelDetailView.as_view()),
    path("notification-channels/<int:channel_id>/test", api.ChannelTestView.as_view()),
    path("mail-settings", api.MailSettingsView.as_view()),
    path("mail-settings/test", api.MailTestView.as_view()),
    path("notifications", api.NotificationListView.as_view()),
    path("notifications/unread", api.NotificationUnreadView.as_view()),
    path("notifications/read", api.NotificationReadView.as_view()),
    path("notifications/preferences", api.NotificationPreferencesView.as_view()),
]

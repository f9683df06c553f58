from django.urls import path

from tongban.accounts import extensions, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_code_view, name="login_code"),
    path("logout/", views.logout_view, name="logout"),
    path("register/", views.register_view, name="register"),
    path("profile/", views.profile_view, name="profile"),
    path("profile/acting/", views.acting_view, name="acting"),
    path("enterprises/new/", views.enterprise_register_view, name="enterprise_register"),
    path("enterprises/<str:uscc>/agents/", views.agent_add_view, name="agent_add"),
    path("enterprises/<str:uscc>/agents/<int:member_id>/revoke/", views.agent_revoke_view, name="agent_revoke"),
    path("notifications/", views.notifications_view, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all_view, name="notifications_read_all"),
    path("notifications/<int:notification_id>/read/", views.notification_read_view, name="notification_read"),
    *extensions.login_routes(),  # the home-region login (tongban.homelogin)
]

from django.contrib.admin.apps import AdminConfig


class HearthAdminConfig(AdminConfig):
    default_site = "config.admin_site.HearthAdminSite"

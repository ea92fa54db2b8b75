from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial")]

    operations = [
        # Tokens made before scopes existed could do everything: they keep that.
        migrations.AddField(
            model_name="accesstoken",
            name="scopes",
            field=models.CharField(
                default="read write follow moderate admin",
                max_length=100,
                verbose_name="permissions",
            ),
        ),
        migrations.AlterField(
            model_name="accesstoken",
            name="scopes",
            field=models.CharField(
                default="read write follow", max_length=100, verbose_name="permissions"
            ),
        ),
    ]

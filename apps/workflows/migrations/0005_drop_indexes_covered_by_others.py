import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0005_reminders_auto_assign"),
        ("workflows", "0004_translatable_labels"),
    ]

    # Only the indexes go: the foreign keys stay as they are (AlterField would drop and re-validate them).
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="noderun",
                    name="execution",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="node_runs",
                        to="workflows.workflowexecution",
                        verbose_name="execution",
                    ),
                ),
                migrations.AlterField(
                    model_name="workflowexecution",
                    name="task",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="executions",
                        to="tasks.task",
                        verbose_name="task",
                    ),
                ),
                migrations.AlterField(
                    model_name="workflowexecution",
                    name="workflow",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="executions",
                        to="workflows.workflow",
                        verbose_name="workflow",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS workflows_noderun_execution_id_922cf34f; "
                    "DROP INDEX IF EXISTS workflows_workflowexecution_workflow_id_b382211d; "
                    "DROP INDEX IF EXISTS workflows_workflowexecution_task_id_860ec3f6;",
                    reverse_sql=(
                        "CREATE INDEX workflows_noderun_execution_id_922cf34f "
                        "ON workflows_noderun (execution_id); "
                        "CREATE INDEX workflows_workflowexecution_workflow_id_b382211d "
                        "ON workflows_workflowexecution (workflow_id); "
                        "CREATE INDEX workflows_workflowexecution_task_id_860ec3f6 "
                        "ON workflows_workflowexecution (task_id);"
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="workflowexecution",
            index=models.Index(
                condition=models.Q(("task__isnull", False)), fields=["task"], name="workflows_execution_task"
            ),
        ),
    ]

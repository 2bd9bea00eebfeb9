import django.db.models.deletion
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Hot tables: every index is built and dropped CONCURRENTLY (no lock on hooks and workers), one
    # statement each, outside a transaction; the new index first, so the task lookups never lack one.
    atomic = False
    dependencies = [
        ("tasks", "0005_reminders_auto_assign"),
        ("workflows", "0004_translatable_labels"),
    ]

    # Only the indexes go: the foreign keys stay as they are (AlterField would drop and re-validate them).
    operations = [
        AddIndexConcurrently(
            model_name="workflowexecution",
            index=models.Index(
                condition=models.Q(("task__isnull", False)), fields=["task"], name="workflows_execution_task"
            ),
        ),
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
                *(
                    migrations.RunSQL(
                        f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
                        reverse_sql=f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} ({column})",
                    )
                    for name, table, column in (
                        ("workflows_noderun_execution_id_922cf34f", "workflows_noderun", "execution_id"),
                        (
                            "workflows_workflowexecution_workflow_id_b382211d",
                            "workflows_workflowexecution",
                            "workflow_id",
                        ),
                        ("workflows_workflowexecution_task_id_860ec3f6", "workflows_workflowexecution", "task_id"),
                    )
                ),
            ],
        ),
    ]

"""ECS clusters, task definitions and services."""


def create_service(aws, cluster_name, service_name, task_definition, **service_args):
    """An ECS cluster running one service of ``task_definition`` (the keyword
    arguments of ``RegisterTaskDefinition``)."""
    cluster_arn = aws.ecs.create_cluster(clusterName=cluster_name)["cluster"]["clusterArn"]
    registered = aws.ecs.register_task_definition(**task_definition)["taskDefinition"]
    service = aws.ecs.create_service(
        cluster=cluster_name,
        serviceName=service_name,
        taskDefinition=registered["taskDefinitionArn"],
        desiredCount=1,
        **service_args,
    )["service"]
    return {
        "cluster_arn": cluster_arn,
        "service_arn": service["serviceArn"],
        "task_definition_arn": registered["taskDefinitionArn"],
        "family": registered["family"],
        "revision": registered["revision"],
    }

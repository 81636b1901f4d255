"""VPCs, subnets, security groups, launch templates and node instances."""

# Amazon Linux in moto's built-in AMI list (ami-12c6146b is Windows).
NODE_AMI = "ami-760aaa0f"


def tag_list(tags):
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def tag_spec(resource_type, tags):
    return [{"ResourceType": resource_type, "Tags": tag_list(tags)}]


def create_vpc(aws, name, cidr):
    return aws.ec2.create_vpc(
        CidrBlock=cidr, TagSpecifications=tag_spec("vpc", {"Name": f"{name}-vpc"})
    )["Vpc"]["VpcId"]


def create_internet_gateway(aws, vpc_id):
    igw_id = aws.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    aws.ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    return igw_id


def create_subnet(aws, vpc_id, name, cidr, az):
    """A subnet tagged ``Name=name`` with a route table of its own (only the
    local route until :func:`make_public`)."""
    subnet = aws.ec2.create_subnet(
        VpcId=vpc_id,
        CidrBlock=cidr,
        AvailabilityZone=f"{aws.region}{az}",
        TagSpecifications=tag_spec("subnet", {"Name": name}),
    )["Subnet"]
    route_table_id = aws.ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    aws.ec2.associate_route_table(RouteTableId=route_table_id, SubnetId=subnet["SubnetId"])
    return {
        "subnet_id": subnet["SubnetId"],
        "subnet_arn": subnet.get("SubnetArn")
        or aws.arn("ec2", f"subnet/{subnet['SubnetId']}"),
        "route_table_id": route_table_id,
    }


def make_public(aws, subnet, igw_id):
    """Sends the subnet's 0.0.0.0/0 to the internet gateway and maps public
    IPs on launch."""
    aws.ec2.create_route(
        RouteTableId=subnet["route_table_id"],
        DestinationCidrBlock="0.0.0.0/0",
        GatewayId=igw_id,
    )
    aws.ec2.modify_subnet_attribute(
        SubnetId=subnet["subnet_id"], MapPublicIpOnLaunch={"Value": True}
    )


def tcp(port, cidr, description, to_port=None):
    """An ingress rule of TCP ``port`` (to ``to_port``) from ``cidr``."""
    return {
        "IpProtocol": "tcp",
        "FromPort": port,
        "ToPort": port if to_port is None else to_port,
        "IpRanges": [{"CidrIp": cidr, "Description": description}],
    }


def create_security_group(aws, vpc_id, name, description, ingress):
    group_id = aws.ec2.create_security_group(
        GroupName=name, Description=description, VpcId=vpc_id
    )["GroupId"]
    if ingress:
        aws.ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=ingress)
    return {"group_id": group_id, "arn": aws.arn("ec2", f"security-group/{group_id}")}


def imds(http_tokens, hop_limit):
    """Instance metadata options (IMDSv2 ``required`` or v1 ``optional``)."""
    return {
        "HttpTokens": http_tokens,
        "HttpPutResponseHopLimit": hop_limit,
        "HttpEndpoint": "enabled",
    }


def create_launch_template(aws, name, sg_id, metadata, instance_type="m5.large"):
    template = aws.ec2.create_launch_template(
        LaunchTemplateName=name,
        LaunchTemplateData={
            "ImageId": NODE_AMI,
            "InstanceType": instance_type,
            "SecurityGroupIds": [sg_id],
            "MetadataOptions": metadata,
        },
    )["LaunchTemplate"]
    template_id = template["LaunchTemplateId"]
    return {
        "id": template_id,
        "name": name,
        "arn": aws.arn("ec2", f"launch-template/{template_id}"),
        "version": str(template["LatestVersionNumber"]),
    }


def node_tags(cluster, nodegroup, autoscaling_group):
    """The tags EKS and EC2 Auto Scaling put on a managed nodegroup's
    instances."""
    return {
        "Name": f"{nodegroup}-node",
        "eks:cluster-name": cluster,
        "aws:eks:cluster-name": cluster,
        "eks:nodegroup-name": nodegroup,
        f"kubernetes.io/cluster/{cluster}": "owned",
        "aws:autoscaling:groupName": autoscaling_group,
    }


def launch_nodes(aws, tags, count, profile_arn, batched=False, **run_args):
    """A nodegroup's instances (moto launches none for nodegroups and does
    not apply a launch template's MetadataOptions, so ``run_args`` carries
    them). With ``MaxCount`` > 1 moto attaches the instance profile to the
    first instance only: unless ``batched``, one call per instance; when
    ``batched``, one call and ``AssociateIamInstanceProfile`` for the rest.
    Returns the launched instances as RunInstances describes them."""
    launched = []
    for n in [count] if batched else [1] * count:
        reservation = aws.ec2.run_instances(
            ImageId=NODE_AMI,
            MinCount=n,
            MaxCount=n,
            IamInstanceProfile={"Arn": profile_arn},
            TagSpecifications=tag_spec("instance", tags),
            **run_args,
        )
        launched.extend(reservation["Instances"])
    if batched:
        for instance in launched:
            if not instance.get("IamInstanceProfile"):
                aws.ec2.associate_iam_instance_profile(
                    IamInstanceProfile={"Arn": profile_arn},
                    InstanceId=instance["InstanceId"],
                )
    return launched

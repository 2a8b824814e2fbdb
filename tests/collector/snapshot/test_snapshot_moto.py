"""take_snapshot against moto in server mode: every resource kind mapped with its real IDs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import aws_scenarios as scenarios
from tests.support.aws_scenarios import Scenario
from tests.support.moto_server import MotoServer
from vpcprobe_collector.paths.index import SnapshotIndex
from vpcprobe_collector.snapshot.build import take_snapshot
from vpcprobe_collector.snapshot.model import PermissionDecision, RouteTargetType, VpcSnapshot


@pytest.fixture(scope="module")
def healthy(moto_server: MotoServer) -> Iterator[tuple[Scenario, VpcSnapshot]]:
    """The healthy scenario and its snapshot, built once for the module (snapshots are data)."""
    with pytest.MonkeyPatch.context() as patch:
        moto_server.reset()
        patch.setenv("AWS_ENDPOINT_URL", moto_server.url)
        scenario = scenarios.build_healthy(moto_server.session())
        snapshot = take_snapshot(
            moto_server.session(),
            scenario.function_name,
            target_addresses=scenario.target_addresses,
        )
        yield scenario, snapshot


def test_function_is_read_with_env_names_only(healthy: tuple[Scenario, VpcSnapshot]) -> None:
    scenario, snapshot = healthy
    function = snapshot.function
    assert function is not None
    assert function.name == "orders-api"
    assert function.arn == scenario.function_arn
    assert function.role_arn == scenario.role_arn
    assert function.memory_mb == 512
    assert function.architectures == ["arm64"]
    assert function.state == "Active"
    assert function.log_group == "/aws/lambda/orders-api"
    assert function.environment_variable_names == ["DB_HOST", "DB_PASSWORD"]
    assert "s3cret" not in snapshot.model_dump_json()
    assert function.vpc_config is not None
    assert function.vpc_config.subnet_ids == scenario.function_subnet_ids
    assert function.vpc_config.security_group_ids == [scenario.function_sg_id]
    assert snapshot.account_id == "123456789012"


def test_vpc_comes_from_the_subnets_not_moto_fake_vpc_id(
    healthy: tuple[Scenario, VpcSnapshot],
) -> None:
    # moto differs from AWS: GetFunction's VpcConfig.VpcId is always "vpc-123abc". AWS returns
    # the real VPC; we read the VPC the function's subnets are in, record it as the function's
    # VPC and note the disagreement.
    scenario, snapshot = healthy
    assert snapshot.function and snapshot.function.vpc_config
    assert snapshot.function.vpc_config.vpc_id == scenario.vpc_id
    assert snapshot.vpc is not None
    assert snapshot.vpc.vpc_id == scenario.vpc_id
    assert any("vpc-123abc" in note and scenario.vpc_id in note for note in snapshot.notes)
    assert snapshot.vpc.cidr_blocks == ["10.0.0.0/16"]
    assert snapshot.vpc.instance_tenancy == "default"
    assert snapshot.vpc.enable_dns_support is True
    assert snapshot.vpc.enable_dns_hostnames is True
    assert snapshot.vpc.dhcp_options_id == scenario.dhcp_options_id


def test_dhcp_options(healthy: tuple[Scenario, VpcSnapshot]) -> None:
    scenario, snapshot = healthy
    assert snapshot.dhcp_options is not None
    assert snapshot.dhcp_options.dhcp_options_id == scenario.dhcp_options_id
    assert snapshot.dhcp_options.domain_name_servers == ["AmazonProvidedDNS"]
    assert snapshot.dhcp_options.domain_name == "ec2.internal"


def test_subnets_of_function_targets_and_nat(healthy: tuple[Scenario, VpcSnapshot]) -> None:
    scenario, snapshot = healthy
    by_id = {s.subnet_id: s for s in snapshot.subnets}
    assert set(by_id) == {
        *scenario.function_subnet_ids,
        scenario.data_subnet_id,
        scenario.public_subnet_id,
    }
    first = by_id[scenario.function_subnet_ids[0]]
    assert first.cidr_block == "10.0.1.0/24"
    assert first.availability_zone == "us-east-1a"
    assert first.vpc_id == scenario.vpc_id
    assert first.available_ip_address_count == 251 - 1  # minus the Logs endpoint's ENI
    assert [by_id[s].availability_zone for s in scenario.function_subnet_ids] == [
        "us-east-1a",
        "us-east-1b",
        "us-east-1c",
    ]


def test_route_tables_and_targets(healthy: tuple[Scenario, VpcSnapshot]) -> None:
    scenario, snapshot = healthy
    private = SnapshotIndex(snapshot).route_table_for(scenario.function_subnet_ids[1])
    assert private is not None
    assert private.route_table_id == scenario.private_route_table_id
    routes = {r.destination: r for r in private.routes}
    assert routes["0.0.0.0/0"].target_type is RouteTargetType.NAT_GATEWAY
    assert routes["0.0.0.0/0"].target_id == scenario.nat_gateway_id
    assert routes["10.0.0.0/16"].target_type is RouteTargetType.LOCAL
    public = SnapshotIndex(snapshot).route_table_for(scenario.public_subnet_id)
    assert public is not None and public.route_table_id == scenario.public_route_table_id
    default = next(r for r in public.routes if r.destination_cidr == "0.0.0.0/0")
    assert (default.target_type, default.target_id, default.state) == (
        RouteTargetType.INTERNET_GATEWAY,
        scenario.internet_gateway_id,
        "active",
    )
    main = next(t for t in snapshot.route_tables if t.is_main)
    assert main.route_table_id == scenario.main_route_table_id


def test_network_acls(healthy: tuple[Scenario, VpcSnapshot]) -> None:
    scenario, snapshot = healthy
    acl = snapshot.network_acl_for(scenario.function_subnet_ids[0])
    assert acl is not None
    assert acl.network_acl_id == scenario.default_acl_id
    assert acl.is_default
    assert set(scenario.function_subnet_ids) <= set(acl.subnet_ids)
    outbound = [(e.rule_number, e.protocol, e.rule_action) for e in acl.entries if e.egress]
    assert outbound == [(100, "-1", "allow"), (32767, "-1", "deny")]


def test_security_groups_function_target_endpoint_and_references(
    healthy: tuple[Scenario, VpcSnapshot],
) -> None:
    scenario, snapshot = healthy
    function_sg = snapshot.security_group(scenario.function_sg_id)
    assert function_sg is not None
    assert [(r.protocol, r.peer_kind, r.peer) for r in function_sg.egress] == [
        ("-1", "cidr_ipv4", "0.0.0.0/0")
    ]
    database = snapshot.security_group(scenario.target_sg_id)
    assert database is not None and database.group_name == "orders-db"
    assert [
        (r.protocol, r.from_port, r.to_port, r.peer_kind, r.peer) for r in database.ingress
    ] == [("tcp", 5432, 5432, "security_group", scenario.function_sg_id)]
    assert snapshot.security_group(scenario.endpoint_sg_id) is not None


def test_gateways(healthy: tuple[Scenario, VpcSnapshot]) -> None:
    scenario, snapshot = healthy
    nat = snapshot.nat_gateway(scenario.nat_gateway_id)
    assert nat is not None
    assert (nat.state, nat.subnet_id, nat.vpc_id) == (
        "available",
        scenario.public_subnet_id,
        scenario.vpc_id,
    )
    assert len(nat.public_ips) == 1
    assert [(g.internet_gateway_id, g.attached_vpc_ids) for g in snapshot.internet_gateways] == [
        (scenario.internet_gateway_id, [scenario.vpc_id])
    ]
    assert snapshot.egress_only_internet_gateways == []  # no route names one: not read


def test_vpc_endpoint(healthy: tuple[Scenario, VpcSnapshot]) -> None:
    scenario, snapshot = healthy
    [endpoint] = snapshot.vpc_endpoints
    assert endpoint.vpc_endpoint_id == scenario.logs_endpoint_id
    assert endpoint.service_name == "com.amazonaws.us-east-1.logs"
    assert endpoint.endpoint_type == "Interface"
    assert endpoint.private_dns_enabled
    assert endpoint.subnet_ids == scenario.function_subnet_ids
    assert endpoint.security_group_ids == [scenario.endpoint_sg_id]
    assert len(endpoint.network_interface_ids) == 3
    kept = {e.network_interface_id for e in snapshot.network_interfaces}
    assert set(endpoint.network_interface_ids) <= kept


def test_target_eni_found_by_address(healthy: tuple[Scenario, VpcSnapshot]) -> None:
    scenario, snapshot = healthy
    eni = SnapshotIndex(snapshot).interface_with_address("10.0.10.20")
    assert eni is not None
    assert eni.network_interface_id == scenario.target_eni_ids[0]
    assert eni.subnet_id == scenario.data_subnet_id
    assert eni.security_group_ids == [scenario.target_sg_id]
    assert snapshot.target_addresses == ["10.0.10.20"]


def test_role_permissions_fall_back_to_local_evaluation(
    healthy: tuple[Scenario, VpcSnapshot],
) -> None:
    # moto differs from AWS: iam:SimulatePrincipalPolicy is not implemented (HTTP 500), so the
    # role's inline policy is evaluated locally and the failed simulation is recorded.
    scenario, snapshot = healthy
    permissions = snapshot.role_permissions
    assert permissions is not None
    assert permissions.role_arn == scenario.role_arn
    assert permissions.method == "local"
    assert permissions.decisions == {
        "ec2:CreateNetworkInterface": PermissionDecision.ALLOWED,
        "ec2:DescribeNetworkInterfaces": PermissionDecision.ALLOWED,
        "ec2:DeleteNetworkInterface": PermissionDecision.ALLOWED,
    }
    assert snapshot.skipped_for("iam:SimulatePrincipalPolicy") is not None


def test_eni_quota_falls_back_to_documented_default(
    healthy: tuple[Scenario, VpcSnapshot],
) -> None:
    # moto's Service Quotas knows only the "vpc" service: GetServiceQuota for lambda fails.
    _, snapshot = healthy
    quota = snapshot.eni_quota
    assert quota is not None
    assert (quota.value, quota.source, quota.quota_code, quota.in_use) == (
        500,
        "default",
        "L-9FEE3D26",
        0,
    )
    assert quota.note and "NoSuchResourceException" in quota.note
    assert snapshot.skipped_for("service-quotas:GetServiceQuota") is not None


def test_snapshot_round_trips_through_json(healthy: tuple[Scenario, VpcSnapshot]) -> None:
    _, snapshot = healthy
    again = VpcSnapshot.model_validate_json(snapshot.model_dump_json())
    assert again == snapshot
    assert json.loads(snapshot.model_dump_json())["schema_version"] == 1


# ---------------------------------------------------------------------------- per-test scenarios


def _snapshot(scenario: Scenario, addresses: list[str] | None = None) -> VpcSnapshot:
    return take_snapshot(
        scenario.session,
        scenario.function_arn,
        target_addresses=scenario.target_addresses if addresses is None else addresses,
    )


def test_call_count_three_subnets_five_targets(aws: MotoServer) -> None:
    scenario = scenarios.build_bench(aws.session())
    assert len(scenario.target_addresses) == 5
    five = _snapshot(scenario)
    one = _snapshot(scenario, scenario.target_addresses[:1])
    assert five.api_call_count <= 20, [c.api for c in five.api_calls]
    assert five.api_call_count == one.api_call_count
    assert {e.network_interface_id for e in five.network_interfaces} >= set(scenario.target_eni_ids)


def test_ipv6_facts(aws: MotoServer) -> None:
    # moto differs from AWS: a subnet's Ipv6CidrBlockState.State reads "{'State': 'associated'}"
    # instead of "associated". We keep every association not in a going/gone state (AWS's
    # disassociating | disassociated | failing | failed), which reads both correctly.
    scenario = scenarios.build_ipv6(aws.session())
    snapshot = _snapshot(scenario)
    assert snapshot.vpc and len(snapshot.vpc.ipv6_cidr_blocks) == 1
    subnet = snapshot.subnet(scenario.function_subnet_ids[0])
    assert subnet is not None and len(subnet.ipv6_cidr_blocks) == 1
    assert subnet.ipv6_cidr_blocks[0].endswith("/64")
    assert snapshot.function and snapshot.function.vpc_config
    assert snapshot.function.vpc_config.ipv6_allowed_for_dual_stack is True
    table = SnapshotIndex(snapshot).route_table_for(scenario.function_subnet_ids[0])
    assert table is not None
    route = next(r for r in table.routes if r.destination_ipv6_cidr == "::/0")
    assert route.target_type is RouteTargetType.EGRESS_ONLY_INTERNET_GATEWAY
    assert route.target_id == scenario.egress_only_gateway_id
    assert [
        (g.egress_only_internet_gateway_id, g.attached_vpc_ids)
        for g in snapshot.egress_only_internet_gateways
    ] == [(scenario.egress_only_gateway_id, [scenario.vpc_id])]


def test_prefix_lists_referenced_by_security_groups_are_read_with_entries(
    aws: MotoServer,
) -> None:
    scenario = scenarios.build_healthy(aws.session())
    ec2 = scenario.ec2()
    prefix_list = ec2.create_managed_prefix_list(
        PrefixListName="corp-networks",
        AddressFamily="IPv4",
        MaxEntries=5,
        Entries=[{"Cidr": "192.0.2.0/24"}, {"Cidr": "198.51.100.0/24"}],
    )["PrefixList"]["PrefixListId"]
    ec2.authorize_security_group_egress(
        GroupId=scenario.function_sg_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "PrefixListIds": [{"PrefixListId": prefix_list}],
            }
        ],
    )
    snapshot = _snapshot(scenario)
    group = snapshot.security_group(scenario.function_sg_id)
    assert group is not None
    assert ("tcp", 443, "prefix_list", prefix_list) in [
        (r.protocol, r.from_port, r.peer_kind, r.peer) for r in group.egress
    ]
    listed = snapshot.prefix_list(prefix_list)
    assert listed is not None
    assert listed.name == "corp-networks"
    assert sorted(listed.cidrs) == ["192.0.2.0/24", "198.51.100.0/24"]
    apis = [c.api for c in snapshot.api_calls]
    assert apis.count("ec2:GetManagedPrefixListEntries") == 1


def test_lambda_enis_recognised_by_description_in_moto(aws: MotoServer) -> None:
    # moto differs from AWS: ENIs cannot be created with interface type "lambda" (AWS sets it on
    # Hyperplane ENIs); moto reports "interface". We recognise them by AWS's description too.
    scenario = scenarios.build_c16_many_lambda_enis(aws.session(), count=4)
    snapshot = _snapshot(scenario)
    assert len(snapshot.lambda_enis) == 4
    assert {e.interface_type for e in snapshot.lambda_enis} == {"interface"}
    assert all(
        e.description.startswith("AWS Lambda VPC ENI")
        for e in snapshot.lambda_enis
        if e.description
    )
    assert snapshot.eni_quota and snapshot.eni_quota.in_use == 4
    assert any("recognised by their description" in note for note in snapshot.notes)
    # The Lambda ENIs are not mistaken for targets.
    assert not {e.network_interface_id for e in snapshot.lambda_enis} & {
        e.network_interface_id for e in snapshot.network_interfaces
    }


def test_target_outside_the_vpc_is_looked_up_by_address(aws: MotoServer) -> None:
    scenario = scenarios.build_healthy(aws.session())
    ec2 = scenario.ec2()
    other_vpc = ec2.create_vpc(CidrBlock="172.31.0.0/16")["Vpc"]["VpcId"]
    other_subnet = ec2.create_subnet(VpcId=other_vpc, CidrBlock="172.31.5.0/24")["Subnet"][
        "SubnetId"
    ]
    eni = ec2.create_network_interface(SubnetId=other_subnet, PrivateIpAddress="172.31.5.9")[
        "NetworkInterface"
    ]["NetworkInterfaceId"]
    snapshot = _snapshot(scenario, ["10.0.10.20", "172.31.5.9", "10.0.99.99"])
    found = SnapshotIndex(snapshot).interface_with_address("172.31.5.9")
    assert found is not None and found.network_interface_id == eni
    assert found.vpc_id == other_vpc
    assert SnapshotIndex(snapshot).interface_with_address("10.0.99.99") is None
    apis = [c.api for c in snapshot.api_calls]
    assert apis.count("ec2:DescribeNetworkInterfaces") == 2


def test_function_not_in_a_vpc(aws: MotoServer) -> None:
    scenario = scenarios.build_healthy(aws.session())
    client: Any = scenario.session.client("lambda")
    client.update_function_configuration(
        FunctionName=scenario.function_name, VpcConfig={"SubnetIds": [], "SecurityGroupIds": []}
    )
    snapshot = _snapshot(scenario)
    assert snapshot.vpc is None
    assert snapshot.notes == ["the function is not attached to a VPC"]
    assert [c.api for c in snapshot.api_calls] == ["lambda:GetFunction"]


def test_reserved_concurrency_comes_with_get_function(aws: MotoServer) -> None:
    # GetFunction's answer carries `Concurrency`; no separate GetFunctionConcurrency call.
    scenario = scenarios.build_healthy(aws.session())
    scenario.session.client("lambda").put_function_concurrency(
        FunctionName=scenario.function_name, ReservedConcurrentExecutions=7
    )
    snapshot = _snapshot(scenario)
    assert snapshot.function is not None and snapshot.function.reserved_concurrency == 7
    assert [c.api for c in snapshot.api_calls if c.api.startswith("lambda:")] == [
        "lambda:GetFunction"
    ]


def test_attached_managed_policy_is_evaluated_locally(aws: MotoServer) -> None:
    # The role's own inline policy allows only the Logs actions; an attached managed policy
    # (shaped like AWS's AWSLambdaVPCAccessExecutionRole, version v2) brings the ENI actions.
    scenario = scenarios.build_c14_role_without_eni_actions(aws.session())
    iam = scenario.session.client("iam")
    statement = {"Effect": "Allow", "Action": ["ec2:*NetworkInterface*"], "Resource": "*"}
    arn = iam.create_policy(
        PolicyName="vpc-access",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{**statement, "Action": "s3:*"}]}
        ),
    )["Policy"]["Arn"]
    iam.create_policy_version(
        PolicyArn=arn,
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
        SetAsDefault=True,
    )
    iam.attach_role_policy(RoleName=scenario.role_name, PolicyArn=arn)
    snapshot = _snapshot(scenario)
    permissions = snapshot.role_permissions
    assert permissions is not None and permissions.method == "local"
    assert set(permissions.decisions.values()) == {PermissionDecision.ALLOWED}
    assert permissions.detail and "2 attached and inline policies" in permissions.detail
    apis = [c.api for c in snapshot.api_calls if c.api.startswith("iam:")]
    assert apis == [
        "iam:SimulatePrincipalPolicy",
        "iam:ListAttachedRolePolicies",
        "iam:ListRolePolicies",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "iam:GetRolePolicy",
    ]

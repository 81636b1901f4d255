"""Security Hub findings: read, import, and validate against botocore's
model."""

import botocore.session
from botocore.validate import ParamValidator


def findings(aws):
    """Every finding of the region, all pages. moto applies no filters, so
    none are sent."""
    out, token = [], None
    while True:
        kw = {"MaxResults": 100}
        if token:
            kw["NextToken"] = token
        page = aws.securityhub.get_findings(**kw)
        out.extend(page.get("Findings", []))
        token = page.get("NextToken")
        if not token:
            return out


def import_findings(aws, data):
    """``BatchImportFindings`` of ASFF findings; its answer."""
    answer = aws.securityhub.batch_import_findings(Findings=data)
    answer.pop("ResponseMetadata", None)
    return answer


def validate(data):
    """The errors of ``data`` (ASFF findings) against botocore's
    ``BatchImportFindings`` input model (unknown keys, types, required
    fields), checked in batches of 100 as an import sends them."""
    if not isinstance(data, list):
        return ["the file is not a JSON array"]
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    errors = []
    for i in range(0, len(data), 100):
        report = ParamValidator().validate({"Findings": data[i : i + 100]}, shape)
        if report.has_errors():
            errors.append(report.generate_report())
    return errors

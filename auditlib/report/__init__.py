"""The quarterly re-audit report: its model, its notebook's parameters, and the runner.

``build_report`` turns a dataset into every section the report shows, cut to
the audience; ``read_params`` checks the parameters a notebook receives;
``run_report`` runs the notebook with papermill and writes the report folder.
"""

from .model import SECTION_TITLES, Report, build_report
from .params import AUDIENCES, ReportParams, read_params

__all__ = ["AUDIENCES", "SECTION_TITLES", "Report", "ReportParams", "build_report", "read_params"]

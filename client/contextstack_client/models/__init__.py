"""Contains all the data models used in inputs/outputs"""

from .deleted import Deleted
from .deleted_deleted import DeletedDeleted
from .field_error import FieldError
from .health import Health
from .list_projects_status_type_1 import ListProjectsStatusType1
from .list_projects_status_type_2_type_1 import ListProjectsStatusType2Type1
from .list_projects_status_type_3_type_1 import ListProjectsStatusType3Type1
from .problem import Problem
from .project import Project
from .project_create import ProjectCreate
from .project_list import ProjectList
from .project_status import ProjectStatus
from .project_update import ProjectUpdate
from .project_update_status_type_0 import ProjectUpdateStatusType0

__all__ = (
    "Deleted",
    "DeletedDeleted",
    "FieldError",
    "Health",
    "ListProjectsStatusType1",
    "ListProjectsStatusType2Type1",
    "ListProjectsStatusType3Type1",
    "Problem",
    "Project",
    "ProjectCreate",
    "ProjectList",
    "ProjectStatus",
    "ProjectUpdate",
    "ProjectUpdateStatusType0",
)

"""Contains all the data models used in inputs/outputs"""

from .deleted import Deleted
from .deleted_deleted import DeletedDeleted
from .field_error import FieldError
from .health import Health
from .list_projects_status_type_1 import ListProjectsStatusType1
from .list_projects_status_type_2_type_1 import ListProjectsStatusType2Type1
from .list_projects_status_type_3_type_1 import ListProjectsStatusType3Type1
from .located_step import LocatedStep
from .located_step_status import LocatedStepStatus
from .move import Move
from .phase import Phase
from .phase_create import PhaseCreate
from .phase_list import PhaseList
from .phase_progress import PhaseProgress
from .phase_update import PhaseUpdate
from .plan import Plan
from .plan_phase import PlanPhase
from .plan_track import PlanTrack
from .problem import Problem
from .project import Project
from .project_create import ProjectCreate
from .project_list import ProjectList
from .project_status import ProjectStatus
from .project_update import ProjectUpdate
from .project_update_status_type_0 import ProjectUpdateStatusType0
from .status_change import StatusChange
from .status_change_status import StatusChangeStatus
from .status_counts import StatusCounts
from .status_report import StatusReport
from .step import Step
from .step_create import StepCreate
from .step_list import StepList
from .step_status import StepStatus
from .step_update import StepUpdate
from .track import Track
from .track_create import TrackCreate
from .track_list import TrackList
from .track_progress import TrackProgress
from .track_update import TrackUpdate

__all__ = (
    "Deleted",
    "DeletedDeleted",
    "FieldError",
    "Health",
    "ListProjectsStatusType1",
    "ListProjectsStatusType2Type1",
    "ListProjectsStatusType3Type1",
    "LocatedStep",
    "LocatedStepStatus",
    "Move",
    "Phase",
    "PhaseCreate",
    "PhaseList",
    "PhaseProgress",
    "PhaseUpdate",
    "Plan",
    "PlanPhase",
    "PlanTrack",
    "Problem",
    "Project",
    "ProjectCreate",
    "ProjectList",
    "ProjectStatus",
    "ProjectUpdate",
    "ProjectUpdateStatusType0",
    "StatusChange",
    "StatusChangeStatus",
    "StatusCounts",
    "StatusReport",
    "Step",
    "StepCreate",
    "StepList",
    "StepStatus",
    "StepUpdate",
    "Track",
    "TrackCreate",
    "TrackList",
    "TrackProgress",
    "TrackUpdate",
)

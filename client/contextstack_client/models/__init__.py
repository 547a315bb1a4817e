"""Contains all the data models used in inputs/outputs"""

from .activity_page import ActivityPage
from .assembled_context import AssembledContext
from .assembled_context_tokenizer import AssembledContextTokenizer
from .change_counts import ChangeCounts
from .changed_entity import ChangedEntity
from .changed_entity_fields import ChangedEntityFields
from .changed_entity_kind import ChangedEntityKind
from .checkpoint import Checkpoint
from .checkpoint_counts import CheckpointCounts
from .checkpoint_create import CheckpointCreate
from .checkpoint_diff import CheckpointDiff
from .checkpoint_list import CheckpointList
from .checkpoint_trigger import CheckpointTrigger
from .conversation import Conversation
from .conversation_create import ConversationCreate
from .conversation_export import ConversationExport
from .conversation_hit import ConversationHit
from .conversation_hit_found_by_item import ConversationHitFoundByItem
from .conversation_list import ConversationList
from .conversation_search_result import ConversationSearchResult
from .conversation_update import ConversationUpdate
from .deleted import Deleted
from .deleted_deleted import DeletedDeleted
from .diff_entity import DiffEntity
from .diff_entity_kind import DiffEntityKind
from .embedding_status import EmbeddingStatus
from .embedding_status_state import EmbeddingStatusState
from .event import Event
from .event_data import EventData
from .export_conversation_format import ExportConversationFormat
from .export_project_format import ExportProjectFormat
from .exported_knowledge import ExportedKnowledge
from .exported_knowledge_kind import ExportedKnowledgeKind
from .exported_phase import ExportedPhase
from .exported_project import ExportedProject
from .exported_project_status import ExportedProjectStatus
from .exported_step import ExportedStep
from .exported_step_status import ExportedStepStatus
from .exported_track import ExportedTrack
from .field_change import FieldChange
from .field_error import FieldError
from .fork_create import ForkCreate
from .get_project_context_format import GetProjectContextFormat
from .get_usage_group import GetUsageGroup
from .health import Health
from .health_store_type_0 import HealthStoreType0
from .import_counts import ImportCounts
from .import_result import ImportResult
from .import_result_mode import ImportResultMode
from .injected_context import InjectedContext
from .knowledge_bulk_create import KnowledgeBulkCreate
from .knowledge_bulk_created import KnowledgeBulkCreated
from .knowledge_create import KnowledgeCreate
from .knowledge_create_kind import KnowledgeCreateKind
from .knowledge_entry import KnowledgeEntry
from .knowledge_entry_kind import KnowledgeEntryKind
from .knowledge_hit import KnowledgeHit
from .knowledge_hit_found_by_item import KnowledgeHitFoundByItem
from .knowledge_list import KnowledgeList
from .knowledge_search_result import KnowledgeSearchResult
from .knowledge_update import KnowledgeUpdate
from .knowledge_update_kind_type_0 import KnowledgeUpdateKindType0
from .list_checkpoints_trigger_type_1 import ListCheckpointsTriggerType1
from .list_checkpoints_trigger_type_2_type_1 import ListCheckpointsTriggerType2Type1
from .list_checkpoints_trigger_type_3_type_1 import ListCheckpointsTriggerType3Type1
from .list_knowledge_kind_type_1 import ListKnowledgeKindType1
from .list_knowledge_kind_type_2_type_1 import ListKnowledgeKindType2Type1
from .list_knowledge_kind_type_3_type_1 import ListKnowledgeKindType3Type1
from .list_projects_status_type_1 import ListProjectsStatusType1
from .list_projects_status_type_2_type_1 import ListProjectsStatusType2Type1
from .list_projects_status_type_3_type_1 import ListProjectsStatusType3Type1
from .located_step import LocatedStep
from .located_step_status import LocatedStepStatus
from .manifest_item import ManifestItem
from .manifest_item_kind import ManifestItemKind
from .manifest_item_reason import ManifestItemReason
from .message import Message
from .message_content_type_1_item import MessageContentType1Item
from .message_list import MessageList
from .message_role import MessageRole
from .message_status import MessageStatus
from .message_tool_calls_type_0_item import MessageToolCallsType0Item
from .model_info import ModelInfo
from .model_info_source import ModelInfoSource
from .model_list import ModelList
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
from .project_export import ProjectExport
from .project_import import ProjectImport
from .project_import_export import ProjectImportExport
from .project_import_mode import ProjectImportMode
from .project_list import ProjectList
from .project_status import ProjectStatus
from .project_update import ProjectUpdate
from .project_update_status_type_0 import ProjectUpdateStatusType0
from .provider_info import ProviderInfo
from .provider_info_kind import ProviderInfoKind
from .provider_list import ProviderList
from .regenerate import Regenerate
from .restore_request import RestoreRequest
from .restore_result import RestoreResult
from .search_conversations_match import SearchConversationsMatch
from .search_conversations_mode import SearchConversationsMode
from .search_knowledge_kind_type_1 import SearchKnowledgeKindType1
from .search_knowledge_kind_type_2_type_1 import SearchKnowledgeKindType2Type1
from .search_knowledge_kind_type_3_type_1 import SearchKnowledgeKindType3Type1
from .search_knowledge_match import SearchKnowledgeMatch
from .search_knowledge_mode import SearchKnowledgeMode
from .section_tokens import SectionTokens
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
from .turn import Turn
from .turn_create import TurnCreate
from .turn_create_content_type_1_item import TurnCreateContentType1Item
from .undo_request import UndoRequest
from .undo_result import UndoResult
from .upstream_error import UpstreamError
from .usage import Usage
from .usage_report import UsageReport
from .usage_row import UsageRow

__all__ = (
    "ActivityPage",
    "AssembledContext",
    "AssembledContextTokenizer",
    "ChangeCounts",
    "ChangedEntity",
    "ChangedEntityFields",
    "ChangedEntityKind",
    "Checkpoint",
    "CheckpointCounts",
    "CheckpointCreate",
    "CheckpointDiff",
    "CheckpointList",
    "CheckpointTrigger",
    "Conversation",
    "ConversationCreate",
    "ConversationExport",
    "ConversationHit",
    "ConversationHitFoundByItem",
    "ConversationList",
    "ConversationSearchResult",
    "ConversationUpdate",
    "Deleted",
    "DeletedDeleted",
    "DiffEntity",
    "DiffEntityKind",
    "EmbeddingStatus",
    "EmbeddingStatusState",
    "Event",
    "EventData",
    "ExportConversationFormat",
    "ExportedKnowledge",
    "ExportedKnowledgeKind",
    "ExportedPhase",
    "ExportedProject",
    "ExportedProjectStatus",
    "ExportedStep",
    "ExportedStepStatus",
    "ExportedTrack",
    "ExportProjectFormat",
    "FieldChange",
    "FieldError",
    "ForkCreate",
    "GetProjectContextFormat",
    "GetUsageGroup",
    "Health",
    "HealthStoreType0",
    "ImportCounts",
    "ImportResult",
    "ImportResultMode",
    "InjectedContext",
    "KnowledgeBulkCreate",
    "KnowledgeBulkCreated",
    "KnowledgeCreate",
    "KnowledgeCreateKind",
    "KnowledgeEntry",
    "KnowledgeEntryKind",
    "KnowledgeHit",
    "KnowledgeHitFoundByItem",
    "KnowledgeList",
    "KnowledgeSearchResult",
    "KnowledgeUpdate",
    "KnowledgeUpdateKindType0",
    "ListCheckpointsTriggerType1",
    "ListCheckpointsTriggerType2Type1",
    "ListCheckpointsTriggerType3Type1",
    "ListKnowledgeKindType1",
    "ListKnowledgeKindType2Type1",
    "ListKnowledgeKindType3Type1",
    "ListProjectsStatusType1",
    "ListProjectsStatusType2Type1",
    "ListProjectsStatusType3Type1",
    "LocatedStep",
    "LocatedStepStatus",
    "ManifestItem",
    "ManifestItemKind",
    "ManifestItemReason",
    "Message",
    "MessageContentType1Item",
    "MessageList",
    "MessageRole",
    "MessageStatus",
    "MessageToolCallsType0Item",
    "ModelInfo",
    "ModelInfoSource",
    "ModelList",
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
    "ProjectExport",
    "ProjectImport",
    "ProjectImportExport",
    "ProjectImportMode",
    "ProjectList",
    "ProjectStatus",
    "ProjectUpdate",
    "ProjectUpdateStatusType0",
    "ProviderInfo",
    "ProviderInfoKind",
    "ProviderList",
    "Regenerate",
    "RestoreRequest",
    "RestoreResult",
    "SearchConversationsMatch",
    "SearchConversationsMode",
    "SearchKnowledgeKindType1",
    "SearchKnowledgeKindType2Type1",
    "SearchKnowledgeKindType3Type1",
    "SearchKnowledgeMatch",
    "SearchKnowledgeMode",
    "SectionTokens",
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
    "Turn",
    "TurnCreate",
    "TurnCreateContentType1Item",
    "UndoRequest",
    "UndoResult",
    "UpstreamError",
    "Usage",
    "UsageReport",
    "UsageRow",
)

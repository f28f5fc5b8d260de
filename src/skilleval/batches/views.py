from skilleval.accounts.access import Perm
from skilleval.core.views import ActorView


class _Stub(ActorView):
    permission = Perm.BATCH_VIEW


BatchListView = BatchCreateView = BatchDetailView = BatchEditView = BatchItemAddView = BatchItemRemoveView = _Stub
BatchAnnounceView = AnnouncementView = ApplyView = ApplicationListView = ImportView = ImportTemplateView = _Stub
CommitmentView = StaffView = StaffRemoveView = PlanView = PlanFileView = PlanDecisionView = _Stub
BatchDocumentView = ApplicationDetailView = ApplicationReviewView = ApplicationWithdrawView = _Stub

from skilleval.accounts.access import Perm
from skilleval.core.views import ActorView


class _Stub(ActorView):
    permission = Perm.HOME


RegisterView = DirectoryView = OrgsHomeView = OrganisationListView = OrganisationDetailView = _Stub
SanctionCreateView = TerminateView = RectificationCloseView = FilingStartView = ScopeAdjustmentStartView = _Stub
ApplicationListView = ApplicationDetailView = ApplicationEditView = LineAddView = LineRemoveView = _Stub
SubmitView = ReviewActionView = ApplicationDocumentView = AttachmentDownloadView = _Stub

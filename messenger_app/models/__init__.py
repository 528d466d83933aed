"""All tables; importing this module registers them with SQLModel.metadata."""

from messenger_app.models.app_secret import AppSecret
from messenger_app.models.channel import Channel
from messenger_app.models.contact import ChannelIdentity, Contact
from messenger_app.models.crm import ContactValue, CrmField, Tag2Option
from messenger_app.models.folder import ContactFolder, Folder
from messenger_app.models.dialog import Dialog
from messenger_app.models.message import Message
from messenger_app.models.job import Job
from messenger_app.models.lease import WorkerLease
from messenger_app.models.mailing import Mailing, MailingRecipient
from messenger_app.models.merge import MergeLog
from messenger_app.models.operator import Operator, OperatorSession
from messenger_app.models.push import PushSubscription
from messenger_app.models.rollup import DialogDay, Handover, Rollup, RollupDay, StatsZone
from messenger_app.models.scenario import BotRun, BotRunEvent, Scenario, ScenarioVersion
from messenger_app.models.template import MessageTemplate

__all__ = ["AppSecret", "BotRun", "BotRunEvent", "Channel", "ChannelIdentity", "Contact", "ContactFolder",
           "ContactValue", "CrmField", "Dialog", "DialogDay", "Folder", "Handover", "Job", "Mailing", "MailingRecipient",
           "MergeLog", "Message", "MessageTemplate", "Operator", "OperatorSession", "PushSubscription",
           "Rollup", "RollupDay", "Scenario", "ScenarioVersion", "StatsZone", "Tag2Option",
           "WorkerLease"]

"""callcenter: data-driven call-centre management (呼叫中心数字化管理).

Import nothing heavy here: ``import callcenter`` must stay cheap and side-effect free.
"""

__version__ = "0.1.0"

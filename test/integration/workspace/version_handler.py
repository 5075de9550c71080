from gitinfo import git_rev


async def version():
    # Awaits nothing, but the helper in gitinfo.py shells out: the event loop stops meanwhile.
    return {"rev": git_rev()}

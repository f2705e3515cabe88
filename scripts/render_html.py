def render_web_pages(seeds, out):
    return []

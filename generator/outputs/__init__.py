"""Files besides the HTML pages: feeds, sitemap, robots.txt and the theme's static assets."""

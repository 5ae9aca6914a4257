"""The web page: plain HTML/CSS/JS under static/, served by the API process. It only calls the HTTP API."""

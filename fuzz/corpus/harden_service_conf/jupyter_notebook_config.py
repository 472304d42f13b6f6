# Configuration file for jupyter-notebook.
c = get_config()  #noqa
c.NotebookApp.ip = '*'
c.NotebookApp.token = ''
c.NotebookApp.password = u'sha1:4f1b7c5a9e2d:0c5d'
c.ServerApp.ip = r"0.0.0.0"  # all
c.IdentityProvider.token = os.environ.get("T", "")
if True:
    c.ServerApp.token = 'x'
c.ServerApp.port == 1
c.PasswordIdentityProvider.hashed_password = "argon2:$argon2id$v=19$m=10240,t=10,p=8$"
jupyter lab --ip 0.0.0.0 --ServerApp.token= --NotebookApp.password='' --port=8888
